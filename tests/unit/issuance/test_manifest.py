from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.issuance_env import notice_row, write_manifest

from sealdoc.errors import InputError
from sealdoc.issuance.manifest import count_rows, read_manifest


def test_jsonl_rows_carry_their_line_numbers_and_pdf_paths_resolve_from_the_manifest(
    tmp_path: Path,
) -> None:
    manifest = write_manifest(
        tmp_path / "m.jsonl",
        [{"id": "A1", "pdf": "in/a.pdf"}, "", notice_row(2), {"id": "A3", "pdf": "/abs/c.pdf"}],
    )
    entries = list(read_manifest(manifest))
    assert [e.line for e in entries] == [1, 3, 4]
    assert entries[0].row is not None
    assert entries[0].row.pdf == tmp_path / "in" / "a.pdf"
    assert entries[1].row is not None
    assert entries[1].row.fields is not None
    assert entries[2].row is not None
    assert entries[2].row.pdf == Path("/abs/c.pdf")
    assert count_rows(manifest) == 3


def test_bad_rows_are_reported_with_their_line_and_reading_goes_on(tmp_path: Path) -> None:
    manifest = write_manifest(
        tmp_path / "m.jsonl",
        [
            "{not json",
            {"id": "../etc/passwd", "pdf": "x.pdf"},
            {"id": "B3", "pdf": "x.pdf", "template": "notice"},
            {"id": "B4"},
            {"id": "B5", "template": "notice"},
            "[1, 2]",
            {"id": "OK", "pdf": "x.pdf"},
        ],
    )
    entries = list(read_manifest(manifest))
    assert [(e.line, e.row is None) for e in entries] == [
        (1, True),
        (2, True),
        (3, True),
        (4, True),
        (5, True),
        (6, True),
        (7, False),
    ]
    reasons = {e.line: e.error for e in entries}
    assert "not valid JSON" in (reasons[1] or "")
    assert "id" in (reasons[2] or "")
    assert entries[1].raw_id == "../etc/passwd"
    assert "not both" in (reasons[3] or "")
    assert "either" in (reasons[4] or "")
    assert 'needs "fields"' in (reasons[5] or "")
    assert reasons[6] == "not a JSON object"


def test_invalid_twoddoc_type_is_a_bad_row(tmp_path: Path) -> None:
    row = notice_row(1)
    row["twoddoc"]["type"] = "toolong"
    (entry,) = read_manifest(write_manifest(tmp_path / "m.jsonl", [row]))
    assert entry.row is None
    assert "twoddoc.type" in (entry.error or "")


def test_csv_dotted_columns_build_nested_rows(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "id,template,fields.recipient,fields.subject,fields.body,twoddoc.type,twoddoc.fields.10\n"
        'C1,notice,"Mme A\n1 rue B\n75001 PARIS",Objet,Corps,01,MME A\n'
        "C2,,,,,,\n"
        ",,,,,,\n"
        'C3,notice,Mme C,Objet,"Un\n\nDeux",,\n',
        encoding="utf-8",
    )
    entries = list(read_manifest(manifest))
    assert [e.line for e in entries] == [2, 5, 7]
    first = entries[0].row
    assert first is not None
    assert first.fields is not None
    assert first.twoddoc is not None
    assert first.fields.recipient == ("Mme A", "1 rue B", "75001 PARIS")
    assert first.twoddoc.fields == {"10": "MME A"}
    assert entries[1].row is None  # C2: neither pdf nor template
    third = entries[2].row
    assert third is not None
    assert third.fields is not None
    assert third.fields.body == ("Un", "Deux")


def test_unknown_manifest_extension_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.txt"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="unknown manifest format"):
        list(read_manifest(path))
