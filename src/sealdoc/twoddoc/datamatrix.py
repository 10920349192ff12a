"""Render a 2D-Doc as an ECC 200 DataMatrix, and find 2D-Docs in images and PDF pages.

Rendering follows the 2D-Doc specification v3.2.6: square ECC 200 symbol (§4), C40
encodation laid out as in §10.7 (``<GS>``/``<RS>``/``<US>`` are the C40 Shift1 characters 29,
30, 31 — the ASCII control characters, not FNC1), a quiet zone of at least one module (§4.3)
and the "2D-DOC" label on one side, outside the quiet zone (§4.1). The symbol is built by
:mod:`sealdoc.twoddoc._dm` (pure Python), so the codewords are exactly the ones the spec
describes; the library choice and the measurements behind it are in
``docs/dev/datamatrix-choice.md``.

A code is a ``str`` whose characters are bytes (``code.encode("latin-1")`` gives the bytes in the
symbol) or the ``bytes`` themselves; :func:`scan_image` and :func:`scan_pdf` return codes in the
same form, so ``scan_image(render_png(code)) == [code]``.

Sizes: ``module_size`` is in pixels at ``dpi``. The default, 5 pixels at 300 dpi, is 0.423 mm,
just above the 0.4 mm the spec recommends when the printer is unknown (§4.4); a 44x44 symbol
(a typical v04 code with a P-256 signature) is then 18.6 mm wide, 20.3 mm with its quiet zone.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from sealdoc.errors import EncodingError, InputError

from ._dm import ecc200, encodation, imageio, pdf, render, scan
from ._dm.render import LabelSide

__all__ = [
    "DEFAULT_DPI",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_MODULE_SIZE",
    "DEFAULT_QUIET_ZONE",
    "LabelSide",
    "Symbol",
    "encode",
    "is_2ddoc",
    "render_png",
    "render_stamp",
    "render_svg",
    "scan_image",
    "scan_pdf",
]

#: Resolution the pixel sizes refer to (the spec's minimum scanning resolution is 300 dpi).
DEFAULT_DPI = 300
#: Module side in pixels at :data:`DEFAULT_DPI`: 0.423 mm (spec §4.4 recommends >= 0.4 mm).
DEFAULT_MODULE_SIZE = 5
#: Blank modules around the symbol (spec §4.3 requires >= 1; 2 tolerates sloppy stamping).
DEFAULT_QUIET_ZONE = 2
#: Largest image (width x height) :func:`scan_image` accepts, and largest PDF page rendering.
DEFAULT_MAX_PIXELS = 80_000_000

_MM_PER_INCH = 25.4

ImageSource = imageio.ImageSource
Code = str | bytes


@dataclass(frozen=True)
class Symbol:
    """An encoded ECC 200 symbol: its modules and the codewords they carry."""

    size: int  #: modules per side
    modules: tuple[tuple[bool, ...], ...]  #: rows top to bottom, ``True`` = dark
    data_codewords: bytes  #: encoded data with padding, before error correction
    codewords: bytes  #: data codewords then (interleaved) error correction codewords

    def side_mm(self, module_mm: float) -> float:
        """Side of the symbol, without quiet zone, for modules of ``module_mm`` millimetres."""
        return self.size * module_mm


def _code_bytes(code: Code) -> bytes:
    if isinstance(code, bytes):
        data = code
    elif isinstance(code, str):
        try:
            data = code.encode("latin-1")
        except UnicodeEncodeError as exc:
            raise EncodingError(
                f"character {code[exc.start]!r} at {exc.start} cannot be put in a 2D-Doc "
                "DataMatrix (only code points 0-255: the data is bytes)"
            ) from exc
    else:
        raise EncodingError(f"a 2D-Doc code is str or bytes, not {type(code).__name__}")
    if not data:
        raise EncodingError("cannot encode an empty code")
    return data


def encode(code: Code, *, size: int | None = None, binary_from: int | None = None) -> Symbol:
    """Encode ``code`` as the smallest square ECC 200 symbol (at least ``size`` modules).

    ``binary_from`` is the index where the binary part of a mixed v04 code starts (spec §3.7);
    by default: everything for a binary header (0xDC), the raw signature of a v01 code, else the
    first byte above 127 (none in a C40 code). Raises :class:`EncodingError` if the code does
    not fit a 144x144 symbol or ``size`` is not a square ECC 200 size.
    """
    data = _code_bytes(code)
    if binary_from is not None and not 0 <= binary_from <= len(data):
        raise EncodingError(f"binary_from={binary_from} is outside the code (0-{len(data)})")
    if size is not None and size not in {s.size for s in ecc200.SQUARE_SIZES}:
        sizes = ", ".join(str(s.size) for s in ecc200.SQUARE_SIZES)
        raise EncodingError(f"{size} is not a square ECC 200 size (one of {sizes})")
    encoded = encodation.encode_codewords(data, binary_from=binary_from)
    chosen = ecc200.smallest_size_for(len(encoded.codewords), at_least=size or 0)
    if chosen is None:
        largest = ecc200.SQUARE_SIZES[-1]
        where = f"a {size}x{size} or larger" if size else "any"
        raise EncodingError(
            f"the code needs {len(encoded.codewords)} codewords: it does not fit {where} "
            f"DataMatrix (at most {largest.data_codewords} in {largest.size}x{largest.size}); "
            "split it into a multi-code 2D-Doc"
        )
    padded = encodation.pad(encoded, chosen)
    codewords = ecc200.add_error_correction(padded, chosen)
    return Symbol(chosen.size, ecc200.build_matrix(codewords, chosen), padded, codewords)


def _check_geometry(module_size: int, dpi: float, quiet_zone: int) -> None:
    if isinstance(module_size, bool) or not isinstance(module_size, int) or module_size < 1:
        raise EncodingError(f"module_size must be a whole number of pixels >= 1, not {module_size}")
    if not dpi > 0:
        raise EncodingError(f"dpi must be positive, not {dpi}")
    if isinstance(quiet_zone, bool) or not isinstance(quiet_zone, int) or quiet_zone < 1:
        raise EncodingError(
            f"quiet_zone must be at least 1 module (2D-Doc spec §4.3), not {quiet_zone}"
        )


def _layout(symbol: Symbol, quiet_zone: int, label: bool, label_side: LabelSide) -> render.Layout:
    if label_side not in ("bottom", "top", "left", "right"):
        raise EncodingError(f"label_side must be bottom, top, left or right, not {label_side!r}")
    return render.layout(
        symbol.size, quiet_zone=quiet_zone, label_side=label_side if label else None
    )


def render_stamp(
    code: Code,
    *,
    module_size: int = DEFAULT_MODULE_SIZE,
    dpi: float = DEFAULT_DPI,
    quiet_zone: int = DEFAULT_QUIET_ZONE,
    label: bool = True,
    label_side: LabelSide = "bottom",
    size: int | None = None,
    binary_from: int | None = None,
) -> Image.Image:
    """The 2D-Doc as a grayscale (mode ``L``) image to stamp on a document.

    Black modules on white, quiet zone included, "2D-DOC" label beside the symbol. The image
    carries ``info["dpi"] = (dpi, dpi)``; printed at that resolution, it measures
    ``image.width / dpi * 25.4`` by ``image.height / dpi * 25.4`` millimetres, and each module
    ``module_size / dpi * 25.4`` mm (0.423 mm by default). Place it on a PDF page at that
    physical size (``width_pt = image.width / dpi * 72``) so that modules stay square and sharp.
    ``size`` and ``binary_from`` are passed to :func:`encode`.
    """
    _check_geometry(module_size, dpi, quiet_zone)
    symbol = encode(code, size=size, binary_from=binary_from)
    image = render.draw_image(
        symbol.modules, _layout(symbol, quiet_zone, label, label_side), module_size
    )
    image.info["dpi"] = (dpi, dpi)
    return image


def render_png(
    code: Code,
    *,
    module_size: int = DEFAULT_MODULE_SIZE,
    dpi: float = DEFAULT_DPI,
    quiet_zone: int = DEFAULT_QUIET_ZONE,
    label: bool = True,
    label_side: LabelSide = "bottom",
    size: int | None = None,
    binary_from: int | None = None,
) -> bytes:
    """:func:`render_stamp` as PNG bytes, with the resolution recorded (pHYs) for printing."""
    image = render_stamp(
        code,
        module_size=module_size,
        dpi=dpi,
        quiet_zone=quiet_zone,
        label=label,
        label_side=label_side,
        size=size,
        binary_from=binary_from,
    )
    if not label:
        image = image.convert("1", dither=Image.Dither.NONE)  # two colours: 1 bit per pixel
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def render_svg(
    code: Code,
    *,
    module_size: int = DEFAULT_MODULE_SIZE,
    dpi: float = DEFAULT_DPI,
    quiet_zone: int = DEFAULT_QUIET_ZONE,
    label: bool = True,
    label_side: LabelSide = "bottom",
    size: int | None = None,
    binary_from: int | None = None,
) -> str:
    """The 2D-Doc as a standalone SVG document: one path for the modules, text for the label.

    The physical size (``width``/``height`` in mm) is the one :func:`render_stamp` has for the
    same arguments; user units are modules, so the drawing scales without blurring.
    """
    _check_geometry(module_size, dpi, quiet_zone)
    symbol = encode(code, size=size, binary_from=binary_from)
    lay = _layout(symbol, quiet_zone, label, label_side)
    return render.draw_svg(symbol.modules, lay, module_size / dpi * _MM_PER_INCH)


def is_2ddoc(code: Code) -> bool:
    """Whether decoded DataMatrix content is a 2D-Doc or a part of a multi-code 2D-Doc."""
    data = code.encode("latin-1", errors="replace") if isinstance(code, str) else code
    return scan.is_2ddoc(data)


def _check_max_pixels(max_pixels: int) -> None:
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, int) or max_pixels < 1:
        raise InputError(f"max_pixels must be a positive number of pixels, not {max_pixels}")


def scan_image(source: ImageSource, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> list[str]:
    """Every 2D-Doc in an image (path, encoded bytes, or PIL image), as raw strings.

    Each string holds the symbol's bytes one character per byte (latin-1), control characters
    included: a C40 2D-Doc starts with ``DC``, a binary one with ``"\\xdc"``, a part of a
    multi-code 2D-Doc with its envelope (``E...``/``"\\xee"``). Other barcodes (QR codes,
    DataMatrix symbols that are not 2D-Docs) are ignored; each frame of a multi-page image is
    searched; identical codes are listed once. An empty list means no 2D-Doc was found.

    Raises :class:`~sealdoc.errors.DataMatrixError` (an :class:`~sealdoc.errors.InputError`) if
    the input is not a readable image or has more than ``max_pixels`` pixels.
    """
    _check_max_pixels(max_pixels)
    found: dict[bytes, None] = {}
    for frame in imageio.grayscale_frames(source, max_pixels=max_pixels):
        for data in scan.find_2ddocs(frame):
            found.setdefault(data)
    return [data.decode("latin-1") for data in found]


def scan_pdf(
    source: Path | str | bytes,
    *,
    pages: Iterable[int] | None = None,
    dpi: float = DEFAULT_DPI,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> list[str]:
    """Every 2D-Doc on the pages of a PDF (path or bytes), as :func:`scan_image` returns them.

    ``pages`` are 0-based page indexes (all pages by default). Each page is rendered at ``dpi``
    (lowered for a page that would exceed ``max_pixels``); when nothing is found on the
    rendering, the raster images embedded in the page (a stamp, a scanned page) are searched at
    their own resolution, with the clean-up passes that pay off on scans. For a photo, extract
    it and use :func:`scan_image`, which tries harder.

    Raises :class:`~sealdoc.errors.PdfError` for an unreadable or encrypted PDF or a page index
    out of range.
    """
    _check_max_pixels(max_pixels)
    found: dict[bytes, None] = {}
    for _index, rendering, embedded in pdf.rendered_pages(
        source, pages=pages, dpi=dpi, max_pixels=max_pixels
    ):
        on_page = scan.find_2ddocs(rendering, scan.PAGE_PASSES)
        if not on_page:
            for image in embedded():
                on_page += scan.find_2ddocs(image, scan.EMBEDDED_PASSES)
        for data in on_page:
            found.setdefault(data)
    return [data.decode("latin-1") for data in found]
