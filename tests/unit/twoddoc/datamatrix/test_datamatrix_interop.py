"""Each library reads the other's symbols, and sealdoc's symbols match libdmtx's bit for bit."""

from __future__ import annotations

import pytest
from PIL import Image, ImageOps

from sealdoc.twoddoc import datamatrix
from sealdoc.twoddoc._dm import backends, ecc200, encodation

pytestmark = pytest.mark.skipif(not backends.libdmtx_available(), reason="libdmtx not installed")

Matrix = tuple[tuple[bool, ...], ...]


def _image(matrix: Matrix, module: int = 3, quiet: int = 2) -> Image.Image:
    n = len(matrix)
    image = Image.new("L", (n, n), 255)
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    image = image.resize((n * module, n * module), Image.Resampling.NEAREST)
    return ImageOps.expand(image, border=quiet * module, fill=255)


def _libdmtx_reads(image: Image.Image) -> list[bytes]:
    return [d.data for d in backends.read_libdmtx(image, timeout_ms=5000)]


def _zxing_reads(image: Image.Image) -> list[bytes]:
    return [d.data for d in backends.read_zxing(image)]


def test_libdmtx_reads_every_sealdoc_reference_symbol(reference_codes: list[str]) -> None:
    for code in reference_codes:  # v01 ones hold raw bytes, NUL included in some
        data = code.encode("latin-1")
        assert _libdmtx_reads(_image(datamatrix.encode(data).modules)) == [data]


@pytest.mark.parametrize("size", [s.size for s in ecc200.SQUARE_SIZES])
def test_libdmtx_reads_sealdoc_symbols_of_every_size(size: int) -> None:
    capacity = ecc200.symbol_size(size).data_codewords
    code = ("DC04" + "0123456789ABCDEFGHIJ\x1d" * 200)[:capacity]  # C40: fills 2/3 of it
    symbol = datamatrix.encode(code, size=size)
    assert symbol.size == size
    assert _libdmtx_reads(_image(symbol.modules)) == [code.encode()]


def test_zxing_and_sealdoc_scan_read_libdmtx_symbols(reference_codes: list[str]) -> None:
    for code in reference_codes:
        if code.startswith("DC01"):
            continue  # raw v01 signature bytes: libdmtx's C40 encoder cannot take bytes > 127
        data = code.encode("latin-1")
        matrix = backends.encode_libdmtx(data)
        assert matrix is not None
        image = _image(matrix)
        assert _zxing_reads(image) == [data]
        assert datamatrix.scan_image(image) == [code]


def test_symbols_are_bit_identical_to_libdmtx_when_the_encodation_agrees(
    reference_codes: list[str],
) -> None:
    # Both latch to C40 and place the same codewords, except when two C40 values are left over
    # at the end: spec §10.3.2 pads them with Shift1 (sealdoc), libdmtx writes them in ASCII.
    # Identical symbols check RS, interleaving, placement and finder patterns independently.
    compared = 0
    for code in reference_codes:
        data = code.encode("latin-1")
        if code.startswith("DC01") or len(encodation.c40_values(data)) % 3 == 2:
            continue
        assert datamatrix.encode(data).modules == backends.encode_libdmtx(data)
        compared += 1
    assert compared == 37  # of the 55 C40 reference codes


def test_gs_written_as_fnc1_by_another_generator_reads_as_gs_with_both_libraries() -> None:
    # Some generators put FNC1 (232) where 2D-Doc wants ASCII 29; readers output GS for it.
    ascii_codewords = bytes([ord("D") + 1, ord("C") + 1, 130 + 4, 232, ord("A") + 1])
    size = ecc200.smallest_size_for(len(ascii_codewords))
    assert size is not None
    padded = encodation.pad(encodation.Encoded(ascii_codewords, ends_in_c40=False), size)
    image = _image(ecc200.build_matrix(ecc200.add_error_correction(padded, size), size))
    assert _zxing_reads(image) == [b"DC04\x1dA"]
    assert _libdmtx_reads(image) == [b"DC04\x1dA"]
