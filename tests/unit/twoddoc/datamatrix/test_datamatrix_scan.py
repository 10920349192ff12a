"""Scanning real specimen images, images with other barcodes, bad input, and PDF pages."""

from __future__ import annotations

import contextlib
import io
import struct
import zlib
from pathlib import Path

import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from sealdoc.errors import DataMatrixError, InputError, PdfError
from sealdoc.twoddoc import datamatrix
from sealdoc.twoddoc._dm import imageio, scan

IMAGES = Path(__file__).resolve().parents[4] / "fixtures" / "twoddoc" / "images"

# Each specimen image: the 2D-Doc header it holds (up to the country for v04), the length of
# the code, and which spec §16 reference code it is (None: a code not in the spec).
SPECIMENS = {
    "fili2b__images_DC02-FR00.jpg": ("DC02FR000001125E125A02", 198, 47),
    "fili2b__images_DC03-FR00.PNG": ("DC03FR000001124216360401", 176, None),
    "fili2b__images_DC04-FR00.png": ("DC04FR0000011CE91D231301FR", 392, 3),
    "go2ddoc__assets_barcode_c40_mrz_v3.png": ("DC03FR000001092D16360801", 219, 33),
    "go2ddoc__assets_barcode_c40_v2.png": ("DC02FR000001125E125B01", 187, 46),
    "go2ddoc__assets_barcode_c40_v3.png": ("DC03FR000001123F16360001", 211, 26),
    "go2ddoc__assets_barcode_c40_v4.png": ("DC04FR000001198519D31201FR", 354, 0),
    "lib2ddoc__tests_images_01-v2.jpg": ("DC02FR000001125E125B01", 187, 46),
    "lib2ddoc__tests_images_img_3.png": ("DC04FR0000011E581E58B201FR", 188, None),
    "lib2ddoc__tests_images_specs-p141.PNG": ("DC04FR000001198519D31201FR", 354, 0),
    "r2ddoc__samples_facture1.jpg": ("DC02FR00000117E517E500", 201, None),
    "r2ddoc__samples_test2.png": ("DC02FR000001125E125B01", 187, 46),
    "r2ddoc__samples_v03_test1.png": ("DC03FR000001123F16360001", 211, 26),
}


def test_every_specimen_image_is_listed() -> None:
    assert sorted(p.name for p in IMAGES.iterdir() if p.suffix != ".md") == sorted(SPECIMENS)


@pytest.mark.parametrize("name", sorted(SPECIMENS))
def test_specimen_image_yields_its_2ddoc(name: str, reference_codes: list[str]) -> None:
    header, length, reference = SPECIMENS[name]
    codes = datamatrix.scan_image(IMAGES / name)
    assert len(codes) == 1
    code = codes[0]
    assert code.startswith(header)
    assert len(code) == length
    assert "\x1f" in code  # <US> then the Base32 signature: the whole code came through
    if reference is not None:
        assert code == reference_codes[reference]


@pytest.mark.parametrize("name", sorted(SPECIMENS))
def test_specimen_image_needs_no_fallback_pass(name: str) -> None:
    # All specimen images are read by zxing-cpp on the image as given (pass 1).
    frame = next(imageio.grayscale_frames(IMAGES / name, max_pixels=10**8))
    assert scan.find_2ddocs(frame, scan.PASSES[:1])


def test_specimen_from_bytes_and_from_pil_image_alike(reference_codes: list[str]) -> None:
    path = IMAGES / "go2ddoc__assets_barcode_c40_v4.png"
    expected = [reference_codes[0]]
    assert datamatrix.scan_image(path.read_bytes()) == expected
    assert datamatrix.scan_image(Image.open(path)) == expected
    assert datamatrix.scan_image(str(path)) == expected


def _qr(text: str) -> Image.Image:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=5, border=2)
    return Image.open(io.BytesIO(out.getvalue())).convert("L")


def _side_by_side(*images: Image.Image) -> Image.Image:
    canvas = Image.new(
        "L",
        (sum(i.width for i in images) + 20 * len(images), 20 + max(i.height for i in images)),
        255,
    )
    x = 10
    for image in images:
        canvas.paste(image, (x, 10))
        x += image.width + 20
    return canvas


def test_qr_code_and_other_datamatrix_nearby_are_ignored(small_code: str) -> None:
    other = datamatrix.render_stamp("LOT 4711 SERIAL 0042", label=False)
    picture = _side_by_side(
        _qr("DC04FR000001 not a 2D-Doc"), datamatrix.render_stamp(small_code), other
    )
    assert datamatrix.scan_image(picture) == [small_code]


def test_two_2ddocs_in_one_image_are_both_found(reference_codes: list[str]) -> None:
    first, second = reference_codes[1], reference_codes[30]
    picture = _side_by_side(datamatrix.render_stamp(first), datamatrix.render_stamp(second))
    assert sorted(datamatrix.scan_image(picture)) == sorted([first, second])


def test_datamatrix_that_is_not_a_2ddoc_gives_an_empty_list() -> None:
    assert datamatrix.scan_image(datamatrix.render_stamp("HELLO WORLD", label=False)) == []


def test_image_without_any_barcode_gives_an_empty_list() -> None:
    assert datamatrix.scan_image(Image.new("L", (300, 200), 255)) == []


def test_multicode_parts_are_returned_raw() -> None:
    parts = ["EABC01DC04FR000001FFFF1FB60401FR10M/X", "EABC1161Y\x1d\x1fAAAA"]
    picture = _side_by_side(*(datamatrix.render_stamp(part) for part in parts))
    assert sorted(datamatrix.scan_image(picture)) == sorted(parts)


def test_binary_2ddoc_keeps_every_byte_nul_included() -> None:
    code = bytes([0xDC, 0x04, 0x00, 0x00, 0x1D, 0xFF, 0x40]) + bytes(range(256))
    found = datamatrix.scan_image(datamatrix.render_stamp(code))
    assert [c.encode("latin-1") for c in found] == [code]


def test_transparent_png_with_black_modules_is_read(small_code: str) -> None:
    stamp = datamatrix.render_stamp(small_code)
    clear = Image.new("LA", stamp.size, (0, 0))
    clear.putalpha(stamp.point(lambda v: 255 - v))  # opaque black modules on transparency
    out = io.BytesIO()
    clear.save(out, format="PNG")
    assert datamatrix.scan_image(out.getvalue()) == [small_code]


def test_every_frame_of_a_multipage_tiff_is_searched(reference_codes: list[str]) -> None:
    blank = Image.new("L", (200, 200), 255)
    first, second = reference_codes[5], reference_codes[40]
    out = io.BytesIO()
    blank.save(
        out,
        format="TIFF",
        save_all=True,
        append_images=[datamatrix.render_stamp(first), datamatrix.render_stamp(second)],
    )
    assert datamatrix.scan_image(out.getvalue()) == [first, second]


# --- bad input ------------------------------------------------------------------------------


def test_empty_bytes_raise_datamatrix_error() -> None:
    with pytest.raises(DataMatrixError, match="empty"):
        datamatrix.scan_image(b"")


def test_bytes_that_are_not_an_image_raise_datamatrix_error() -> None:
    with pytest.raises(DataMatrixError, match="not an image format"):
        datamatrix.scan_image(b"%PDF-1.7 this is not a picture")


def test_truncated_png_raises_datamatrix_error(small_code: str) -> None:
    png = datamatrix.render_png(small_code)
    with pytest.raises(DataMatrixError, match="cannot read image data"):
        datamatrix.scan_image(png[: len(png) // 2])


def test_missing_file_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        datamatrix.scan_image(tmp_path / "missing.png")


def test_unsupported_source_type_raises_datamatrix_error() -> None:
    with pytest.raises(DataMatrixError, match="expected a path, bytes or a PIL image"):
        datamatrix.scan_image(12345)  # type: ignore[arg-type]


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height pixels (grayscale) and holds one empty row."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width + 1))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_image_over_the_pixel_limit_raises_before_decoding() -> None:
    with pytest.raises(DataMatrixError, match="over the limit of 1000000 pixels"):
        datamatrix.scan_image(_png_header_only(2000, 1000), max_pixels=1_000_000)


def test_decompression_bomb_raises_datamatrix_error() -> None:
    with pytest.raises(DataMatrixError, match="too large"):
        datamatrix.scan_image(_png_header_only(60_000, 60_000))


def test_pixel_limit_must_be_positive() -> None:
    with pytest.raises(InputError, match="max_pixels"):
        datamatrix.scan_image(b"x", max_pixels=0)


# --- PDF ------------------------------------------------------------------------------------


def _pdf_with_stamp(code: str, *, blank_first_page: bool = False) -> bytes:
    """A4 pages at 300 dpi as one PDF (PIL), the stamp at its physical size on the last one."""
    page = Image.new("L", (2480, 3508), 255)
    page.paste(datamatrix.render_stamp(code), (1900, 150))
    pages = [Image.new("L", (2480, 3508), 255), page] if blank_first_page else [page]
    out = io.BytesIO()
    pages[0].save(out, format="PDF", resolution=300, save_all=True, append_images=pages[1:])
    return out.getvalue()


def test_pdf_page_with_a_stamped_code_scans_back(sample_code: str, tmp_path: Path) -> None:
    path = tmp_path / "stamped.pdf"
    path.write_bytes(_pdf_with_stamp(sample_code))
    assert datamatrix.scan_pdf(path) == [sample_code]


def test_pdf_pages_argument_selects_pages(small_code: str) -> None:
    pdf = _pdf_with_stamp(small_code, blank_first_page=True)
    assert datamatrix.scan_pdf(pdf, pages=[0]) == []
    assert datamatrix.scan_pdf(pdf, pages=[1]) == [small_code]


def test_pdf_rendered_too_coarse_falls_back_to_the_embedded_image(small_code: str) -> None:
    # At 40 dpi a 0.42 mm module is under one pixel; the embedded image still has 5 px.
    assert datamatrix.scan_pdf(_pdf_with_stamp(small_code), dpi=40) == [small_code]


def test_pdf_page_index_out_of_range_raises_pdf_error(small_code: str) -> None:
    with pytest.raises(PdfError, match="out of range"):
        datamatrix.scan_pdf(_pdf_with_stamp(small_code), pages=[3])


def test_bytes_that_are_not_a_pdf_raise_pdf_error() -> None:
    with pytest.raises(PdfError, match="cannot read PDF"):
        datamatrix.scan_pdf(b"\x89PNG not a pdf")


def test_empty_pdf_bytes_raise_pdf_error() -> None:
    with pytest.raises(PdfError, match="empty"):
        datamatrix.scan_pdf(b"")


def test_missing_pdf_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        datamatrix.scan_pdf(tmp_path / "missing.pdf")


def test_page_index_that_is_not_an_int_raises_pdf_error(small_code: str) -> None:
    with pytest.raises(PdfError, match="whole numbers"):
        datamatrix.scan_pdf(_pdf_with_stamp(small_code), pages=["1"])  # type: ignore[list-item]


# --- image modes and formats scanners produce -------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [
        ("1", "TIFF"),  # bilevel scan, fax style
        ("1", "PNG"),
        ("P", "GIF"),
        ("RGB", "JPEG"),
        ("CMYK", "JPEG"),
        ("CMYK", "TIFF"),
        ("I;16", "PNG"),  # 16-bit grayscale scanners
        ("RGBA", "WEBP"),
        ("L", "BMP"),
    ],
)
def test_common_scan_modes_and_formats_are_read(small_code: str, mode: str, fmt: str) -> None:
    stamp = datamatrix.render_stamp(small_code)
    image = (
        stamp.convert("I").point(lambda v: v * 257).convert("I;16")
        if mode == "I;16"
        else stamp.convert(mode)
    )
    out = io.BytesIO()
    image.save(out, format=fmt)
    assert datamatrix.scan_image(out.getvalue()) == [small_code]


# --- fuzzing: whatever the bytes, a list or a typed error, never another exception --------------

_VALID_FILES: dict[str, bytes] = {}


def _valid_file(fmt: str) -> bytes:
    if fmt not in _VALID_FILES:
        code = "DC04FR000001FFFF1FB60401FR10M/X\x1d\x1fAAAA"
        out = io.BytesIO()
        datamatrix.render_stamp(code, module_size=2).convert("RGB").save(out, format=fmt)
        _VALID_FILES[fmt] = out.getvalue()
    return _VALID_FILES[fmt]


@given(data=st.binary(max_size=3000))
@settings(max_examples=150, deadline=None)
def test_arbitrary_bytes_give_a_list_or_a_datamatrix_error(data: bytes) -> None:
    with contextlib.suppress(DataMatrixError):
        assert isinstance(datamatrix.scan_image(data), list)


@given(
    fmt=st.sampled_from(["PNG", "JPEG", "GIF", "TIFF", "BMP", "WEBP"]),
    edits=st.lists(
        st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=8
    ),
    cut=st.one_of(st.none(), st.integers(min_value=0)),
)
@settings(max_examples=200, deadline=None)
def test_corrupted_image_files_give_a_list_or_a_datamatrix_error(
    fmt: str, edits: list[tuple[int, int]], cut: int | None
) -> None:
    data = bytearray(_valid_file(fmt))
    for position, value in edits:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % len(data)]
    with contextlib.suppress(DataMatrixError):
        assert isinstance(datamatrix.scan_image(bytes(data)), list)


@given(data=st.binary(max_size=2000))
@settings(max_examples=60, deadline=None)
def test_arbitrary_bytes_as_pdf_give_a_list_or_a_pdf_error(data: bytes) -> None:
    with contextlib.suppress(PdfError):
        assert isinstance(datamatrix.scan_pdf(b"%PDF-1.4\n" + data), list)
