"""Batches end to end (in this process): outputs, ledger, reruns, bad rows, the command."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from tests.support.issuance_env import (
    assert_valid_seal,
    notice_row,
    pdf_row,
    pinned,
    write_manifest,
    write_profile,
)
from tests.support.pki_services import PKI_TIME, SealMaterial, TestPki

from sealdoc._internal.cli.issue import issue
from sealdoc.issuance import issue_batch, load_profile
from sealdoc.issuance.runner import BatchSummary
from sealdoc.pades import embedded_twoddoc


def _run(
    tmp_path: Path, material: SealMaterial, rows: Sequence[Mapping[str, Any] | str], **kwargs: Any
) -> BatchSummary:
    profile = load_profile(write_profile(tmp_path, material))
    manifest = write_manifest(tmp_path / "notices.jsonl", rows)
    return issue_batch(profile, manifest, tmp_path / "out", clock=pinned(), **kwargs)


def _db(tmp_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / "out" / "ledger.sqlite")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_batch_seals_every_row_and_records_it_in_the_ledger(
    tmp_path: Path, material: SealMaterial, pki: TestPki, input_pdfs: Path
) -> None:
    rows = [notice_row(1), notice_row(2, twoddoc=False), pdf_row("P1", "in/P1.pdf")]
    summary = _run(tmp_path, material, rows)
    assert (summary.sealed, summary.failed, summary.all_sealed) == (3, 0, True)
    out = tmp_path / "out"
    for name in ("N00001", "N00002", "P1"):
        assert_valid_seal(out / f"{name}.pdf", root=pki.root)
    assert (out / "P1.pdf").read_bytes().startswith((input_pdfs / "P1.pdf").read_bytes())
    code = embedded_twoddoc(out / "N00001.pdf")
    assert code is not None
    assert code.startswith("DC04FR000001")
    records = {
        row[0]: row[1:]
        for row in _db(tmp_path).execute(
            "SELECT id, status, line, input_sha256, output_sha256, twoddoc_id, sealed_at, error "
            "FROM documents"
        )
    }
    status, line, _input_sha, output_sha, twoddoc_id, sealed_at, error = records["N00001"]
    assert (status, line, error) == ("sealed", 1, None)
    assert output_sha == _sha(out / "N00001.pdf")
    assert twoddoc_id == hashlib.sha256(code.encode("latin-1")).hexdigest()
    assert sealed_at == PKI_TIME.isoformat()
    assert records["N00002"][4] is None  # no 2D-Doc
    assert records["P1"][2] == _sha(input_pdfs / "P1.pdf")
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith("ledger")) == [
        ".sealdoc-issue.lock",
        "N00001.pdf",
        "N00002.pdf",
        "P1.pdf",
    ]


def test_rerun_of_a_finished_batch_does_nothing_and_says_so(
    tmp_path: Path, material: SealMaterial
) -> None:
    rows = [notice_row(1), notice_row(2)]
    first = _run(tmp_path, material, rows)
    assert first.sealed == 2
    before = {p.name: (p.stat().st_mtime_ns, _sha(p)) for p in (tmp_path / "out").glob("*.pdf")}
    again = _run(tmp_path, material, rows)
    assert (again.sealed, again.already, again.failed, again.nothing_to_do) == (0, 2, 0, True)
    after = {p.name: (p.stat().st_mtime_ns, _sha(p)) for p in (tmp_path / "out").glob("*.pdf")}
    assert after == before
    assert_valid_seal(tmp_path / "out" / "N00002.pdf", root=TestPki().root)
    events = _db(tmp_path).execute("SELECT id, COUNT(*) FROM events GROUP BY id").fetchall()
    assert sorted(events) == [("N00001", 1), ("N00002", 1)]


def test_bad_rows_are_recorded_with_line_and_reason_and_the_batch_goes_on(
    tmp_path: Path, material: SealMaterial, input_pdfs: Path
) -> None:
    bad_field = notice_row(4)
    bad_field["twoddoc"]["fields"]["24"] = "NOT A POSTCODE"
    rows: list[Mapping[str, Any] | str] = [
        notice_row(1),
        pdf_row("MISSING", "in/missing.pdf"),
        "{broken json",
        bad_field,
        pdf_row("BROKEN", "in/broken.pdf"),
        pdf_row("P1", "in/P1.pdf"),
        pdf_row("P1", "in/P2.pdf"),
        {"id": "../escape", "pdf": "in/P1.pdf"},
        pdf_row("P3", "in/P3.pdf"),
    ]
    summary = _run(tmp_path, material, rows)
    assert (summary.sealed, summary.failed, summary.all_sealed) == (3, 6, False)
    reasons = {f.line: f.reason for f in summary.failures}
    assert sorted(reasons) == [2, 3, 4, 5, 7, 8]
    assert "missing.pdf: cannot be read" in reasons[2]
    assert "not valid JSON" in reasons[3]
    assert "field 24" in reasons[4]
    assert "cannot be parsed" in reasons[5] or "PDF" in reasons[5]
    assert "duplicate id P1 (first at line 6)" in reasons[7]
    assert "id" in reasons[8]
    db = _db(tmp_path)
    failed = dict(db.execute("SELECT line, error FROM documents WHERE status='failed'").fetchall())
    assert set(failed) == {2, 4, 5}
    problems = dict(db.execute("SELECT line, reason FROM problems").fetchall())
    assert set(problems) == {3, 7, 8}
    assert sorted(p.stem for p in (tmp_path / "out").glob("*.pdf")) == ["N00001", "P1", "P3"]
    assert_valid_seal(tmp_path / "out" / "P3.pdf", root=TestPki().root)


def test_failed_rows_are_retried_once_fixed(
    tmp_path: Path, material: SealMaterial, input_pdfs: Path
) -> None:
    rows = [pdf_row("LATE", "in/late.pdf"), pdf_row("P1", "in/P1.pdf")]
    assert _run(tmp_path, material, rows).failed == 1
    (input_pdfs / "late.pdf").write_bytes((input_pdfs / "P2.pdf").read_bytes())
    again = _run(tmp_path, material, rows)
    assert (again.sealed, again.already, again.failed) == (1, 1, 0)
    assert_valid_seal(tmp_path / "out" / "LATE.pdf", root=TestPki().root)


def test_a_sealed_id_is_never_reissued_from_changed_data(
    tmp_path: Path, material: SealMaterial, input_pdfs: Path
) -> None:
    rows = [notice_row(1), pdf_row("P1", "in/P1.pdf")]
    _run(tmp_path, material, rows)
    sealed = _sha(tmp_path / "out" / "N00001.pdf")
    changed = notice_row(1)
    changed["fields"]["subject"] = "Autre objet"
    (input_pdfs / "P1.pdf").write_bytes((input_pdfs / "P1.pdf").read_bytes() + b"\n%changed\n")
    summary = _run(tmp_path, material, [changed, pdf_row("P1", "in/P1.pdf")])
    assert (summary.sealed, summary.failed) == (0, 2)
    reasons = [f.reason for f in summary.failures]
    assert "different manifest data" in reasons[0]
    assert "different P1.pdf" in reasons[1]
    assert _sha(tmp_path / "out" / "N00001.pdf") == sealed


def test_a_deleted_output_is_reported_not_sealed_again(
    tmp_path: Path, material: SealMaterial
) -> None:
    rows = [notice_row(1)]
    _run(tmp_path, material, rows)
    (tmp_path / "out" / "N00001.pdf").unlink()
    summary = _run(tmp_path, material, rows)
    assert summary.failed == 1
    assert "missing or differs" in summary.failures[0].reason
    assert not (tmp_path / "out" / "N00001.pdf").exists()


def test_output_written_before_an_interruption_is_adopted_not_sealed_twice(
    tmp_path: Path, material: SealMaterial, pki: TestPki
) -> None:
    rows = [notice_row(1), notice_row(2)]
    _run(tmp_path, material, rows)
    path = tmp_path / "out" / "N00001.pdf"
    sealed = _sha(path)
    with _db(tmp_path) as db:  # as if the ledger commit was lost in a crash
        db.execute("UPDATE documents SET status='pending', output_sha256=NULL WHERE id='N00001'")
    summary = _run(tmp_path, material, rows)
    assert (summary.recovered, summary.sealed, summary.already) == (1, 0, 1), summary.failures
    assert _sha(path) == sealed
    assert_valid_seal(path, root=pki.root)
    record = (
        _db(tmp_path)
        .execute("SELECT status, output_sha256, twoddoc_id FROM documents WHERE id='N00001'")
        .fetchone()
    )
    assert record[0] == "sealed"
    assert record[1] == sealed
    assert record[2] is not None


def test_a_foreign_file_at_the_output_path_is_left_alone(
    tmp_path: Path, material: SealMaterial
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "N00001.pdf").write_bytes(b"%PDF-1.7\nsomething else\n")
    summary = _run(tmp_path, material, [notice_row(1)])
    assert summary.failed == 1
    assert "already exists and is not a seal of this input" in summary.failures[0].reason
    assert (out / "N00001.pdf").read_bytes() == b"%PDF-1.7\nsomething else\n"


def test_the_command_prints_a_summary_and_exits_by_outcome(
    tmp_path: Path, material: SealMaterial, input_pdfs: Path
) -> None:
    profile = write_profile(tmp_path, material, twoddoc=False)
    manifest = write_manifest(
        tmp_path / "notices.jsonl", [notice_row(1, twoddoc=False), pdf_row("P1", "in/P1.pdf")]
    )
    args = [
        "--profile",
        str(profile),
        "--manifest",
        str(manifest),
        "--out",
        str(tmp_path / "out"),
        "--jobs",
        "1",
    ]
    result = CliRunner().invoke(issue, args)
    assert result.exit_code == 0, result.output
    assert "sealed now             2" in result.output
    assert "All documents of the manifest are sealed." in result.output
    assert_valid_seal(tmp_path / "out" / "N00001.pdf", root=TestPki().root, at=None)
    result = CliRunner().invoke(issue, args)
    assert result.exit_code == 0
    assert result.output.startswith("Nothing to do: all 2 documents of notices.jsonl")
    write_manifest(manifest, [pdf_row("P9", "in/nope.pdf")])
    result = CliRunner().invoke(issue, args)
    assert result.exit_code == 1
    assert "line 1: P9:" in result.output
    assert "run the same command again" in result.output


def test_the_batch_cannot_start_with_an_unusable_certificate(tmp_path: Path, pki: TestPki) -> None:
    import pytest

    from sealdoc.errors import SealingError

    expired = pki.write_seal_material("seal-expired", tmp_path / "keys")
    profile = load_profile(write_profile(tmp_path, expired))
    manifest = write_manifest(tmp_path / "m.jsonl", [notice_row(1)])
    with pytest.raises(SealingError, match="expired"):
        issue_batch(profile, manifest, tmp_path / "out", clock=pinned())
    assert not (tmp_path / "out" / "N00001.pdf").exists()
