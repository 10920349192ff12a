"""Rasterising PDF pages (pypdfium2) to look for 2D-Doc symbols on them."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from PIL import Image

from sealdoc.errors import InputError, PdfError

__all__ = ["PdfSource", "embedded_images", "rendered_pages"]

PdfSource = Path | str | bytes


def _open(source: PdfSource) -> Any:
    if isinstance(source, bytes):
        if not source:
            raise PdfError("cannot read PDF: the data is empty")
        name = "PDF data"
    else:
        path = Path(source)
        name = str(path)
        if not path.is_file():
            raise InputError(f"cannot read PDF {name}: no such file")
        source = path
    try:
        document = pdfium.PdfDocument(source)
        # Form fields and signature widgets (where a seal's visible stamp lives) are drawn only
        # when the form environment is initialised before the pages are loaded.
        document.init_forms()
        return document
    except pdfium.PdfiumError as exc:
        hint = " (it is encrypted)" if "password" in str(exc).lower() else ""
        raise PdfError(f"cannot read PDF {name}: {exc}{hint}") from exc


def _page_indexes(pages: Iterable[int] | None, count: int) -> list[int]:
    if pages is None:
        return list(range(count))
    indexes = list(pages)
    for index in indexes:
        if isinstance(index, bool) or not isinstance(index, int):
            raise PdfError(f"page indexes are whole numbers, not {index!r}")
        if not 0 <= index < count:
            raise PdfError(f"page index {index} is out of range: the PDF has {count} page(s)")
    return indexes


def rendered_pages(
    source: PdfSource, *, pages: Iterable[int] | None, dpi: float, max_pixels: int
) -> Iterator[tuple[int, Image.Image, Callable[[], list[Image.Image]]]]:
    """Per page: its index, its rendering in grayscale, and a function listing its images.

    The function (valid until the next page is produced) returns the raster images embedded in
    the page at their own resolution. A page whose rendering at ``dpi`` would exceed
    ``max_pixels`` is rendered at the highest resolution that fits instead.
    """
    if not dpi > 0:
        raise PdfError(f"dpi must be positive, not {dpi}")
    document = _open(source)
    try:
        for index in _page_indexes(pages, len(document)):
            try:
                page = document[index]
            except pdfium.PdfiumError as exc:
                raise PdfError(f"cannot read page {index} of the PDF: {exc}") from exc
            try:
                width_pt, height_pt = page.get_size()
                scale = dpi / 72
                area = width_pt * height_pt * scale * scale
                if area > max_pixels:
                    scale *= math.sqrt(max_pixels / area) * 0.999
                bitmap = page.render(scale=scale, grayscale=True)
                image = bitmap.to_pil().convert("L")
                yield index, image, _images_of(page, max_pixels)
            except pdfium.PdfiumError as exc:
                raise PdfError(f"cannot render page {index} of the PDF: {exc}") from exc
            finally:
                page.close()
    finally:
        document.close()


def _images_of(page: Any, max_pixels: int) -> Callable[[], list[Image.Image]]:
    return lambda: list(embedded_images(page, max_pixels=max_pixels))


def embedded_images(page: Any, *, max_pixels: int) -> Iterator[Image.Image]:
    """The raster images drawn on ``page``, as mode ``L`` (those that pdfium can decode)."""
    for obj in page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=4):
        try:
            width, height = obj.get_px_size()
            if width * height > max_pixels or width < 10 or height < 10:
                continue
            image = obj.get_bitmap(render=False).to_pil()
        except (pdfium.PdfiumError, ValueError, OSError):
            continue  # an image pdfium cannot decode cannot hold a readable symbol either
        yield _flatten(image)


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA"):
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, image.convert("RGBA")).convert("L")
    return image.convert("L")
