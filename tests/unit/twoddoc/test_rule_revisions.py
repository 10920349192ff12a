"""Type 04 changed in spec v3.2.3 (23/06/2022): older codes may follow the earlier rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sealdoc.report import CheckStatus
from sealdoc.twoddoc import TwoDDoc, check_fields

SAMPLE = (
    Path(__file__).resolve().parents[3]
    / "fixtures/twoddoc/spec_vectors/spec_samples_v313/3.1.3/15.2.2/05.txt"
)


def _with_signature_date(raw: bytes, day: dt.date) -> bytes:
    days = (day - dt.date(2000, 1, 1)).days
    return raw[:16] + f"{days:04X}".encode() + raw[20:]


def test_tax_notice_signed_before_v323_passes_under_the_earlier_rules() -> None:
    doc = TwoDDoc.parse(SAMPLE.read_bytes().rstrip(b"\n"))
    assert doc.header.signature_date is not None
    assert doc.header.signature_date < dt.date(2022, 6, 23)
    check = check_fields(doc)
    assert check.status is CheckStatus.PASSED, check.message
    assert "before v3.2.3" in check.message


def test_same_tax_notice_signed_after_v323_must_follow_the_new_rules() -> None:
    raw = _with_signature_date(SAMPLE.read_bytes().rstrip(b"\n"), dt.date(2023, 1, 2))
    doc = TwoDDoc.parse(raw)
    assert doc.header.signature_date == dt.date(2023, 1, 2)
    check = check_fields(doc)
    assert check.status is CheckStatus.FAILED
    assert "mandatory field 43" in check.message
