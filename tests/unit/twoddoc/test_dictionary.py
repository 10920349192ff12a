"""The data identifier table (§7): completeness, provenance, value encodings."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from tests.unit.twoddoc.codec_support import REPO

from sealdoc.errors import FieldError
from sealdoc.twoddoc import all_identifiers, identifier
from sealdoc.twoddoc.dictionary import decode_value, encode_value, value_problems

# The specification pack lives beside the repository (shared/spec/2ddoc) on project machines.
SPEC_DIR = Path(
    os.environ.get(
        "SEALDOC_SPEC_DIR", Path(__file__).resolve().parents[4] / "shared" / "spec" / "2ddoc"
    )
)


def test_table_has_the_337_data_identifiers_of_section_7() -> None:
    entries = all_identifiers()
    assert len(entries) == 337
    assert len({e.id for e in entries}) == 337
    assert all(e.name and e.charset for e in entries)
    assert all(e.max is None or e.min <= e.max for e in entries)


@pytest.mark.skipif(not SPEC_DIR.is_dir(), reason="the spec pack is not on this machine")
def test_packaged_table_is_what_the_build_script_generates_from_the_spec() -> None:
    script = REPO / "scripts" / "build_twoddoc_dictionary.py"
    result = subprocess.run(
        [sys.executable, str(script), "--spec-dir", str(SPEC_DIR), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_unknown_identifier_is_none() -> None:
    assert identifier("ZZ") is None


@pytest.mark.parametrize(
    ("di", "raw", "value"),
    [
        ("24", "01000", "01000"),  # postal code: text, leading zero kept
        ("09", "0003", 3),  # number of pages
        ("41", "63198", 63198),
        ("58", "1319,24", Decimal("1319.24")),
        ("38", "-234,78", Decimal("-234.78")),
        ("1G", "1", True),
        ("96", "21112017", dt.date(2017, 11, 21)),
        ("69", "00071973", "00071973"),  # unknown day: kept as text
        ("C3", "020320201400", dt.datetime(2020, 3, 2, 14, 0)),
        ("36", "1213", dt.date(2012, 9, 1)),
        ("08", "FFFF", None),
        ("07", "143005", dt.time(14, 30, 5)),
        ("AE", "0132", dt.time(1, 32)),
        ("BF", "7DF", 2015),
        ("7H", "30", 48),
        ("AF", "Z", 35),
        (
            "0C",
            "NB2WS43TNFSXELLKOVZXI2LDMUXGM4RPGE4DSNRVGQ3TQNJTIFBA",
            "huissier-justice.fr/1896547853AB",
        ),
    ],
)
def test_values_decode_to_their_type(di: str, raw: str, value: object) -> None:
    entry = identifier(di)
    assert entry is not None
    assert decode_value(entry, raw) == value
    assert value_problems(entry, raw) == []


@pytest.mark.parametrize(("di", "raw"), [("96", "31022017"), ("09", "00A3"), ("0C", "a!")])
def test_values_that_do_not_decode_stay_text_and_have_problems(di: str, raw: str) -> None:
    entry = identifier(di)
    assert entry is not None
    assert decode_value(entry, raw) == raw
    assert value_problems(entry, raw)


@pytest.mark.parametrize(
    ("di", "value", "raw"),
    [
        ("DY", 9, "009"),
        ("51", Decimal("157.5"), "0157,5"),
        ("1D", Decimal("-12.5"), "-12,5"),
        ("96", dt.date(2017, 11, 21), "21112017"),
        ("53", dt.date(2012, 10, 1), "1231"),
        ("F6", dt.datetime(2013, 6, 20, 12, 0), "200620131200"),
        ("1G", False, "0"),
        ("AF", 35, "Z"),
        ("BF", 2015, "7DF"),
        ("24", 1000, "01000"),
        ("0C", "https://example.org/é", "NB2HI4DTHIXS6ZLYMFWXA3DFFZXXEZZPYOUQ"),
    ],
)
def test_typed_values_encode_to_the_written_text(di: str, value: object, raw: str) -> None:
    entry = identifier(di)
    assert entry is not None
    assert encode_value(entry, value) == raw


@pytest.mark.parametrize(
    ("di", "value"),
    [
        ("96", dt.datetime(2020, 1, 1)),
        ("10", 12),
        ("AF", 36),
        ("09", -1),
        ("1G", 1.5),
        ("10", None),
    ],
)
def test_values_of_the_wrong_type_are_refused_naming_the_field(di: str, value: object) -> None:
    entry = identifier(di)
    assert entry is not None
    with pytest.raises(FieldError) as excinfo:
        encode_value(entry, value)
    assert excinfo.value.field_id == di


def test_value_problems_name_length_characters_and_separators() -> None:
    entry = identifier("24")
    assert entry is not None
    assert "exactly 5" in value_problems(entry, "7500")[0]
    assert "not allowed" in value_problems(entry, "7500A")[0]
    assert "<GS>" in value_problems(entry, "75\x1d00")[0]
    street = identifier("22")
    assert street is not None
    assert "at most 38" in value_problems(street, "A" * 39)[0]
    assert "fixed-length" in value_problems(entry, "750", truncated=True)[0]
