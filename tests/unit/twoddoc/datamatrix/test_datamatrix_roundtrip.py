"""Render then scan gives back exactly the bytes rendered: control characters, binary, all sizes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sealdoc.errors import EncodingError
from sealdoc.twoddoc import datamatrix
from sealdoc.twoddoc._dm import ecc200


def _round_trip(code: str | bytes, **options: object) -> list[str]:
    image = datamatrix.render_stamp(code, label=False, module_size=3, **options)  # type: ignore[arg-type]
    return datamatrix.scan_image(image)


def test_every_reference_code_round_trips_byte_for_byte(reference_codes: list[str]) -> None:
    # v02-v04 codes carry <GS> (and <RS>) and <US>; v01 codes end with 64 raw signature bytes.
    for code in reference_codes:
        assert _round_trip(code) == [code]


def test_png_round_trip_keeps_gs_rs_us(sample_code: str) -> None:
    code = sample_code.replace("\x1d92", "\x1e\x1d92", 1)  # add a truncation mark as well
    assert {"\x1d", "\x1e", "\x1f"} <= set(code)
    assert datamatrix.scan_image(datamatrix.render_png(code)) == [code]


def _fits(code: str, size: int) -> bool:
    try:
        return datamatrix.encode(code).size <= size
    except EncodingError:  # does not fit even 144x144
        return False


def _fullest_code(size: int) -> str:
    """The longest "DC" + digits code that still fits a size x size symbol."""
    low, high = 0, 2400  # digits after "DC"; 2400 needs more than 144x144
    while low < high:
        mid = (low + high + 1) // 2
        if _fits("DC" + "7" * mid, size):
            low = mid
        else:
            high = mid - 1
    return "DC" + "7" * low


@pytest.mark.parametrize("size", [s.size for s in ecc200.SQUARE_SIZES])
def test_every_square_size_round_trips_when_full(size: int) -> None:
    code = _fullest_code(size)
    assert datamatrix.encode(code).size == size
    assert not _fits(code + "7", size)
    assert _round_trip(code) == [code]


# Any ASCII character is C40-encodable (basic set, Shift1 controls, Shift2, Shift3); a 2D-Doc
# starts with DC and two digits. Weighted towards what real codes hold.
_C40_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "),
        st.sampled_from("\x1d\x1e\x1f/-,.'"),
        st.characters(min_codepoint=0, max_codepoint=127),
    ),
    min_size=0,
    max_size=400,
)


@given(body=_C40_TEXT, version=st.sampled_from(["02", "03", "04"]))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_c40_codes_round_trip_exactly(body: str, version: str) -> None:
    code = f"DC{version}" + body
    assert _round_trip(code) == [code]


@given(tail=st.binary(min_size=1, max_size=300))
@settings(max_examples=30, deadline=None)
def test_random_binary_codes_round_trip_exactly(tail: bytes) -> None:
    code = b"\xdc\x04" + tail
    assert [c.encode("latin-1") for c in _round_trip(code)] == [code]


@given(text=_C40_TEXT, binary=st.binary(min_size=1, max_size=120))
@settings(max_examples=30, deadline=None)
def test_random_mixed_codes_round_trip_exactly(text: str, binary: bytes) -> None:
    head = ("DC04" + text).encode("latin-1")
    code = head + binary
    image = datamatrix.render_stamp(code, label=False, module_size=3)
    assert datamatrix.scan_image(image) == [code.decode("latin-1")]
    forced = datamatrix.render_stamp(code, label=False, module_size=3, binary_from=len(head))
    assert datamatrix.scan_image(forced) == [code.decode("latin-1")]
