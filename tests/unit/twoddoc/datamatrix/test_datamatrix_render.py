"""PNG, SVG and stamp rendering: geometry, quiet zone, label, physical size, bad options."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from sealdoc.errors import EncodingError
from sealdoc.twoddoc import datamatrix

SVG_NS = "{http://www.w3.org/2000/svg}"


def _dark_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """Bounding box of the dark pixels."""
    return image.point(lambda v: 255 if v < 128 else 0).getbbox()


def test_png_is_a_png_with_300_dpi_recorded(sample_code: str) -> None:
    image = Image.open(io.BytesIO(datamatrix.render_png(sample_code)))
    assert image.format == "PNG"
    assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)


def test_default_module_is_at_least_the_recommended_0_4_mm(sample_code: str) -> None:
    stamp = datamatrix.render_stamp(sample_code, label=False)
    symbol = datamatrix.encode(sample_code)
    module_px = stamp.width / (symbol.size + 2 * datamatrix.DEFAULT_QUIET_ZONE)
    assert module_px == datamatrix.DEFAULT_MODULE_SIZE
    assert module_px / datamatrix.DEFAULT_DPI * 25.4 >= 0.4  # spec §4.4


def test_stamp_without_label_is_the_symbol_in_its_quiet_zone(sample_code: str) -> None:
    symbol = datamatrix.encode(sample_code)
    stamp = datamatrix.render_stamp(sample_code, label=False, module_size=3, quiet_zone=1)
    assert stamp.size == ((symbol.size + 2) * 3, (symbol.size + 2) * 3)
    assert _dark_box(stamp) == (3, 3, 3 + symbol.size * 3, 3 + symbol.size * 3)
    for y, row in enumerate(symbol.modules):
        for x, dark in enumerate(row):
            assert (stamp.getpixel((3 + 3 * x + 1, 3 + 3 * y + 1)) == 0) is dark


def test_label_under_the_symbol_stays_outside_the_quiet_zone(sample_code: str) -> None:
    symbol = datamatrix.encode(sample_code)
    stamp = datamatrix.render_stamp(sample_code, module_size=4, quiet_zone=2)
    framed = (symbol.size + 4) * 4
    assert stamp.width == framed
    assert stamp.height > framed
    band = stamp.crop((0, framed, stamp.width, stamp.height))
    box = _dark_box(band)
    assert box is not None  # the "2D-DOC" text is drawn
    between = stamp.crop((0, (symbol.size + 2) * 4, stamp.width, framed))
    assert _dark_box(between) is None  # nothing in the quiet zone under the symbol


@pytest.mark.parametrize("side", ["bottom", "top", "left", "right"])
def test_label_can_go_on_any_of_the_four_sides(
    sample_code: str, side: datamatrix.LabelSide
) -> None:
    stamp = datamatrix.render_stamp(sample_code, label_side=side)
    horizontal = side in ("bottom", "top")
    assert (stamp.height > stamp.width) is horizontal
    assert datamatrix.scan_image(stamp) == [sample_code]


def test_stamp_records_its_dpi_for_physical_sizing(sample_code: str) -> None:
    stamp = datamatrix.render_stamp(sample_code, dpi=600, module_size=10)
    assert stamp.info["dpi"] == (600, 600)
    assert stamp.mode == "L"


def test_svg_is_well_formed_with_mm_size_path_and_label(sample_code: str) -> None:
    svg = datamatrix.render_svg(sample_code)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    stamp = datamatrix.render_stamp(sample_code)
    width_mm = float(root.attrib["width"].removesuffix("mm"))
    height_mm = float(root.attrib["height"].removesuffix("mm"))
    assert width_mm == pytest.approx(stamp.width / 300 * 25.4, abs=0.01)
    assert height_mm == pytest.approx(stamp.height / 300 * 25.4, abs=0.3)
    texts = root.findall(f"{SVG_NS}text")
    assert [t.text for t in texts] == ["2D-DOC"]
    assert root.findall(f"{SVG_NS}path")


def _rasterise_svg_modules(svg: str, scale: int) -> Image.Image:
    """Draw the module path of an SVG made by render_svg (M x y h w v1 h-w z runs)."""
    root = ET.fromstring(svg)
    width, height = (float(v) for v in root.attrib["viewBox"].split()[2:])
    image = Image.new("L", (round(width * scale), round(height * scale)), 255)
    path = root.find(f"{SVG_NS}path")
    assert path is not None
    for x, y, w in re.findall(r"M([\d.]+) ([\d.]+)h(\d+)v1h-\d+z", path.attrib["d"]):
        left, top = round(float(x) * scale), round(float(y) * scale)
        image.paste(0, (left, top, left + int(w) * scale, top + scale))
    return image


def test_svg_modules_scan_back_to_the_code(sample_code: str) -> None:
    svg = datamatrix.render_svg(sample_code, label=False)
    assert "<text" not in svg
    assert datamatrix.scan_image(_rasterise_svg_modules(svg, 4)) == [sample_code]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("module_size", 0, "module_size"),
        ("module_size", 2.5, "module_size"),
        ("quiet_zone", 0, "quiet_zone must be at least 1"),
        ("dpi", 0, "dpi"),
        ("label_side", "under", "label_side"),
    ],
)
def test_bad_rendering_option_raises_encoding_error(
    sample_code: str, option: str, value: object, message: str
) -> None:
    for render in (datamatrix.render_png, datamatrix.render_svg, datamatrix.render_stamp):
        with pytest.raises(EncodingError, match=message):
            render(sample_code, **{option: value})  # type: ignore[arg-type]


def test_render_accepts_bytes_and_str_alike(sample_code: str) -> None:
    assert datamatrix.render_png(sample_code) == datamatrix.render_png(
        sample_code.encode("latin-1")
    )


def test_rendering_is_deterministic(sample_code: str) -> None:
    assert datamatrix.render_png(sample_code) == datamatrix.render_png(sample_code)
    assert datamatrix.render_svg(sample_code) == datamatrix.render_svg(sample_code)
