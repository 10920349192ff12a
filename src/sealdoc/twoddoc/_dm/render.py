"""Drawing a module matrix with its quiet zone and the "2D-DOC" label (spec §4.1, §4.3).

The label is printed on one side of the symbol, outside the quiet zone, centred, as wide as
:data:`LABEL_WIDTH_RATIO` of the symbol, in Pillow's bundled font (Aileron) so that the
raster output does not depend on the fonts installed. The SVG names a font family and pins
the text width with ``textLength`` so that it looks the same with any sans-serif font.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

__all__ = ["LABEL_TEXT", "LabelSide", "Layout", "draw_image", "draw_svg", "layout"]

LabelSide = Literal["bottom", "top", "left", "right"]
LABEL_TEXT = "2D-DOC"
#: Label width as a fraction of the symbol's width (what the specimen images show).
LABEL_WIDTH_RATIO = 0.6
#: Font size used to measure the label's proportions once.
_REFERENCE_FONT_SIZE = 200
_Matrix = tuple[tuple[bool, ...], ...]


@dataclass(frozen=True)
class Layout:
    """Geometry of a rendered symbol, in modules (floats for the label band)."""

    symbol: int  #: modules per side of the symbol
    quiet_zone: int  #: blank modules on each side of the symbol
    label_side: LabelSide | None
    label_band: float  #: thickness of the label band (text, margins), 0 without a label
    label_length: float  #: length of the label text along its baseline
    label_height: float  #: cap height of the label text

    @property
    def framed(self) -> int:
        """Modules per side of the symbol with its quiet zone."""
        return self.symbol + 2 * self.quiet_zone

    @property
    def width(self) -> float:
        return self.framed + (self.label_band if self.label_side in ("left", "right") else 0)

    @property
    def height(self) -> float:
        return self.framed + (self.label_band if self.label_side in ("top", "bottom") else 0)

    @property
    def symbol_origin(self) -> tuple[float, float]:
        """Top-left corner of the symbol itself (inside its quiet zone)."""
        x = self.quiet_zone + (self.label_band if self.label_side == "left" else 0)
        y = self.quiet_zone + (self.label_band if self.label_side == "top" else 0)
        return x, y


def layout(symbol: int, *, quiet_zone: int, label_side: LabelSide | None) -> Layout:
    """Where everything goes for a symbol of ``symbol`` modules per side."""
    if label_side is None:
        return Layout(symbol, quiet_zone, None, 0.0, 0.0, 0.0)
    length = symbol * LABEL_WIDTH_RATIO
    height = length * _label_metrics()[0]
    band = height + quiet_zone  # the text, then a blank margin as wide as the quiet zone
    return Layout(symbol, quiet_zone, label_side, band, length, height)


def _symbol_image(matrix: _Matrix, module_size: int) -> Image.Image:
    n = len(matrix)
    small = Image.new("L", (n, n), 255)
    small.putdata([0 if dark else 255 for row in matrix for dark in row])
    return small.resize((n * module_size, n * module_size), Image.Resampling.NEAREST)


@cache
def _font(pixels: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=pixels)


@cache
def _label_metrics() -> tuple[float, float]:
    """(cap height / text length, cap height / font size) of the label in the bundled font."""
    left, top, right, bottom = _font(_REFERENCE_FONT_SIZE).getbbox(LABEL_TEXT)
    return (bottom - top) / (right - left), (bottom - top) / _REFERENCE_FONT_SIZE


def _label_image(lay: Layout, module_size: int) -> Image.Image:
    """The label text, horizontal, on white, cropped to its length x cap height box."""
    target_w = max(1, round(lay.label_length * module_size))
    target_h = max(1, round(lay.label_height * module_size))
    size = max(4, round(target_h / _label_metrics()[1]))
    font = _font(size)
    left, top, right, bottom = (round(v) for v in font.getbbox(LABEL_TEXT))
    text = Image.new("L", (right - left + 2, bottom - top + 2), 255)
    ImageDraw.Draw(text).text((-left + 1, -top + 1), LABEL_TEXT, fill=0, font=font)
    return text.resize((target_w, target_h), Image.Resampling.LANCZOS)


def draw_image(matrix: _Matrix, lay: Layout, module_size: int) -> Image.Image:
    """A grayscale image: white background, black modules, optional label."""
    width = round(lay.width * module_size)
    height = round(lay.height * module_size)
    canvas = Image.new("L", (width, height), 255)
    ox, oy = lay.symbol_origin
    canvas.paste(
        _symbol_image(matrix, module_size), (round(ox * module_size), round(oy * module_size))
    )
    if lay.label_side is None:
        return canvas
    label = _label_image(lay, module_size)
    if lay.label_side == "left":
        label = label.transpose(Image.Transpose.ROTATE_90)
    elif lay.label_side == "right":
        label = label.transpose(Image.Transpose.ROTATE_270)
    x, y = _label_box_origin(lay, module_size, label.size)
    canvas.paste(label, (x, y))
    return canvas


def _label_box_origin(lay: Layout, module_size: int, box: tuple[int, int]) -> tuple[int, int]:
    """Top-left pixel of the label box: centred along the symbol, just past the quiet zone."""
    ox, oy = lay.symbol_origin
    centre_x = round((ox + lay.symbol / 2) * module_size - box[0] / 2)
    centre_y = round((oy + lay.symbol / 2) * module_size - box[1] / 2)
    if lay.label_side == "bottom":
        return centre_x, round(lay.framed * module_size)
    if lay.label_side == "top":
        return centre_x, round(lay.label_band * module_size) - box[1]
    if lay.label_side == "left":
        return round(lay.label_band * module_size) - box[0], centre_y
    return round(lay.framed * module_size), centre_y


def _runs(row: tuple[bool, ...]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    start = None
    for x, dark in enumerate((*row, False)):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            runs.append((start, x - start))
            start = None
    return runs


def _fmt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def draw_svg(matrix: _Matrix, lay: Layout, module_mm: float) -> str:
    """A standalone SVG document; user units are modules, the physical size is in mm."""
    ox, oy = lay.symbol_origin
    path = "".join(
        f"M{_fmt(ox + x)} {_fmt(oy + y)}h{w}v1h-{w}z"
        for y, row in enumerate(matrix)
        for x, w in _runs(row)
    )
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" ',
        f'width="{_fmt(lay.width * module_mm)}mm" height="{_fmt(lay.height * module_mm)}mm" ',
        f'viewBox="0 0 {_fmt(lay.width)} {_fmt(lay.height)}">\n',
        f"<title>{escape(LABEL_TEXT)} DataMatrix ({lay.symbol}x{lay.symbol})</title>\n",
        f'<rect width="{_fmt(lay.width)}" height="{_fmt(lay.height)}" fill="#fff"/>\n',
        f'<path fill="#000" shape-rendering="crispEdges" d="{path}"/>\n',
    ]
    if lay.label_side is not None:
        parts.append(_svg_label(lay))
    parts.append("</svg>\n")
    return "".join(parts)


def _svg_label(lay: Layout) -> str:
    ox, oy = lay.symbol_origin
    centre = (ox + lay.symbol / 2, oy + lay.symbol / 2)
    font_size = lay.label_height / _label_metrics()[1]
    if lay.label_side == "bottom":
        x, y, angle = centre[0], lay.framed + lay.label_height, 0
    elif lay.label_side == "top":
        x, y, angle = centre[0], lay.label_band, 0
    elif lay.label_side == "left":
        x, y, angle = lay.label_band, centre[1], -90
    else:
        x, y, angle = lay.framed, centre[1], 90
    transform = f' transform="rotate({angle} {_fmt(x)} {_fmt(y)})"' if angle else ""
    return (
        f'<text x="{_fmt(x)}" y="{_fmt(y)}"{transform} text-anchor="middle" '
        f'font-family="Aileron, Helvetica, Arial, sans-serif" font-size="{_fmt(font_size)}" '
        f'textLength="{_fmt(lay.label_length)}" lengthAdjust="spacingAndGlyphs" '
        f'fill="#000">{escape(LABEL_TEXT)}</text>\n'
    )
