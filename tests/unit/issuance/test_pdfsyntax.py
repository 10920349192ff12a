from __future__ import annotations

import pytest
from tests.support.issuance_env import object_stream_pdf
from tests.support.keymaterial import minimal_pdf

from sealdoc.issuance.sealing.pdfsyntax import (
    Array,
    Dict,
    LightPdf,
    Name,
    Ref,
    String,
    Unsupported,
    _Parser,
)


def _value(text: bytes) -> object:
    value, _start, _end = _Parser(text).value(0)
    return value


def test_values_decode_as_pdf_defines_them() -> None:
    value = _value(
        b"<< /A#20B (x\\(y\\)\\101\\\n) /Hex <48 49 5> /N -1.5 /R 12 0 R /L [1 2 0 R /n true] >>"
    )
    assert isinstance(value, Dict)
    assert value.get("A B") == String(b"x(y)A")
    assert value.get("Hex") == String(b"HIP")
    assert value.get("N") == -1.5
    assert value.get("R") == Ref(12, 0)
    items = value.get("L")
    assert isinstance(items, Array)
    assert items.items == [1, Ref(2, 0), Name("n"), True]
    assert value.raws["R"] == b"12 0 R"
    assert value.keys["A B"] == b"A#20B"


def test_nested_parentheses_and_comments_are_skipped() -> None:
    value = _value(b"% comment\n<< /T (a (b) c) % another\n /U /V >>")
    assert isinstance(value, Dict)
    assert value.get("T") == String(b"a (b) c")
    assert value.get("U") == Name("V")


def test_serialise_keeps_original_bytes_and_applies_changes() -> None:
    value = _value(b"<< /Type /Page /Parent 2 0 R /Annots [4 0 R] >>")
    assert isinstance(value, Dict)
    out = value.serialise({"Annots": b"[4 0 R 9 0 R]", "Parent": None, "New": b"1"})
    assert out == b"<< /Type /Page /Annots [4 0 R 9 0 R] /New 1 >>"


def test_classic_cross_reference_table_is_read() -> None:
    pdf = LightPdf(minimal_pdf())
    assert not pdf.xref_stream
    ref, page = pdf.page(0)
    assert ref == Ref(3, 0)
    assert page.get("Type") == "Page"
    with pytest.raises(Unsupported, match="out of range"):
        pdf.page(1)


def test_cross_reference_streams_and_object_streams_are_read() -> None:
    pdf = LightPdf(object_stream_pdf())
    assert pdf.xref_stream
    assert pdf.entries[3] == (2, 4, 2)
    ref, page = pdf.page(0)
    assert ref == Ref(3, 0)
    assert page.get("MediaBox") is not None


def test_hybrid_and_encrypted_files_are_left_to_the_general_signer() -> None:
    base = minimal_pdf()
    with pytest.raises(Unsupported, match="encrypted"):
        LightPdf(base.replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt 9 0 R"))
    with pytest.raises(Unsupported, match="hybrid"):
        LightPdf(base.replace(b"/Root 1 0 R", b"/Root 1 0 R /XRefStm 9"))


@pytest.mark.parametrize(
    "garbage",
    [b"", b"%PDF-1.7\n", b"%PDF-1.7\nstartxref\n999999\n%%EOF\n", b"%PDF-1.7\nstartxref\n9\n%%EOF"],
)
def test_truncated_or_broken_files_raise_unsupported(garbage: bytes) -> None:
    with pytest.raises((Unsupported, IndexError, ValueError)):
        LightPdf(garbage)
