"""Finding 2D-Doc symbols in a grayscale image: which decoder, on which variant of the image.

The passes come from the measurements in ``docs/dev/datamatrix-choice.md`` (regenerate them
with ``python bench/bench_datamatrix.py --robustness --passes``): zxing-cpp on the image as
given reads nearly everything in a few milliseconds; the later passes, on cleaned-up copies of
the image, only run when it found no 2D-Doc, and each rescues a class of pictures it misses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageOps

from . import backends

__all__ = ["EMBEDDED_PASSES", "PAGE_PASSES", "PASSES", "Pass", "find_2ddocs", "is_2ddoc"]

#: C40 multi-code envelope (spec §3.8): E, three [A-Z0-9] identifying the code, position 0-F,
#: count-1 1-F.
_C40_ENVELOPE = re.compile(rb"E[A-Z0-9]{3}[0-9A-F][1-9A-F]")


def is_2ddoc(data: bytes) -> bool:
    """Whether decoded symbol bytes look like a 2D-Doc or a part of a multi-code 2D-Doc.

    A C40 header (``DC`` then two version digits), a binary header (0xDC), or a multi-code
    envelope (C40 ``EXYZAB`` with A <= B, or binary 0xEE WX YZ NM with a position within
    the count) — spec §3.1, §3.3.4, §3.8.
    """
    if data[:2] == b"DC" and data[2:4].isdigit():
        return True
    if data[:1] == b"\xdc":
        return True
    if _C40_ENVELOPE.match(data):
        return int(data[4:5], 16) <= int(data[5:6], 16)
    if len(data) >= 4 and data[0] == 0xEE:
        position, count = (data[3] >> 4) + 1, 17 - (data[3] & 0x0F)
        return 2 <= count <= 16 and position <= count
    return False


@dataclass(frozen=True)
class Pass:
    """One attempt: a name, how to prepare the image, which decoder to run on it."""

    name: str
    prepare: Callable[[Image.Image], Image.Image]
    decode: Callable[[Image.Image], list[backends.Decoded]]


#: Image area (pixels) above which the enlarging passes are skipped: such images already have
#: enough pixels per module, and enlarging them costs more than it could rescue.
_ENLARGE_LIMIT = 4_000_000
#: ... and above which side (Pillow refuses sides over 65535; nothing useful is that thin).
_ENLARGE_SIDE_LIMIT = 8_000
#: The enlarged 5x5 median costs about 0.35 s per million pixels of input: only small images.
_MEDIAN5_LIMIT = 600_000


def _same(image: Image.Image) -> Image.Image:
    return image


def _enlarge(image: Image.Image) -> Image.Image:
    """Twice the size: modules of 1-2 pixels, and noise the decoder then averages out."""
    if image.width * image.height > _ENLARGE_LIMIT or max(image.size) > _ENLARGE_SIDE_LIMIT:
        return image
    return image.resize((image.width * 2, image.height * 2), Image.Resampling.BICUBIC)


def _denoise_sharpen(image: Image.Image) -> Image.Image:
    """Median 3x3 (salt and pepper, JPEG specks), then unsharp mask, then full contrast."""
    cleaned = image.filter(ImageFilter.MedianFilter(3))
    sharp = cleaned.filter(ImageFilter.UnsharpMask(radius=4, percent=300, threshold=0))
    return ImageOps.autocontrast(sharp, cutoff=1)


def _sharpen(image: Image.Image) -> Image.Image:
    """Unsharp mask then full contrast: a blur of up to about half a module."""
    sharp = image.filter(ImageFilter.UnsharpMask(radius=3, percent=200, threshold=0))
    return ImageOps.autocontrast(sharp, cutoff=1)


def _enlarge_denoise(image: Image.Image) -> Image.Image:
    """Enlarge, then median 5x5: heavy noise on small modules (expensive, so last)."""
    if image.width * image.height > _MEDIAN5_LIMIT:
        return image
    return ImageOps.autocontrast(_enlarge(image).filter(ImageFilter.MedianFilter(5)), cutoff=1)


def _smooth_sharpen(image: Image.Image) -> Image.Image:
    """Gaussian blur then unsharp mask: noise on top of blur (photos)."""
    return _denoise_sharpen(image.filter(ImageFilter.GaussianBlur(1)))


def _enlarge_smooth(image: Image.Image) -> Image.Image:
    """Enlarge, then Gaussian blur: JPEG blocks and sensor noise on small modules (photos)."""
    if image.width * image.height > _ENLARGE_LIMIT:
        return image
    smooth = _enlarge(image).filter(ImageFilter.GaussianBlur(2))
    return ImageOps.autocontrast(smooth, cutoff=1)


def _box_smooth(image: Image.Image) -> Image.Image:
    """3x3 box blur then full contrast: fine noise on larger modules."""
    return ImageOps.autocontrast(image.filter(ImageFilter.BoxBlur(1)), cutoff=1)


def _zxing(image: Image.Image) -> list[backends.Decoded]:
    return backends.read_zxing(image)


#: In order; each after the first runs only if the previous ones found no 2D-Doc. The order
#: is a greedy cover of the degraded corpus of ``bench/bench_datamatrix.py``: each pass rescues
#: the most images the earlier ones missed. libdmtx is not here: on that corpus it read
#: nothing zxing-cpp could not, 10 to 1000 times slower (``docs/dev/datamatrix-choice.md``).
PASSES: tuple[Pass, ...] = (
    Pass("zxing", _same, _zxing),
    Pass("zxing-enlarge", _enlarge, _zxing),
    Pass("zxing-denoise-sharpen", _denoise_sharpen, _zxing),
    Pass("zxing-sharpen", _sharpen, _zxing),
    Pass("zxing-enlarge-denoise", _enlarge_denoise, _zxing),
    Pass("zxing-smooth-sharpen", _smooth_sharpen, _zxing),
    Pass("zxing-enlarge-smooth", _enlarge_smooth, _zxing),
    Pass("zxing-box-smooth", _box_smooth, _zxing),
)
#: For a PDF page rendered by pdfium: clean pixels, large area, so only the first pass.
PAGE_PASSES: tuple[Pass, ...] = PASSES[:1]
#: For the images embedded in a PDF page (often whole scanned pages, searched only when the
#: rendering showed nothing): the passes that pay off on scans, not the photo ones; about
#: 0.5 s for an A4 page at 300 dpi without a code, instead of 1.5 s.
EMBEDDED_PASSES: tuple[Pass, ...] = PASSES[:3]


def _multicode_key(data: bytes) -> tuple[bytes, int, int] | None:
    """(code id, position, count) of a multi-code part, ``None`` for a whole 2D-Doc."""
    if data[:1] == b"E" and _C40_ENVELOPE.match(data):
        return data[1:4], int(data[4:5], 16), int(data[5:6], 16) + 1
    if data[:1] == b"\xee" and len(data) >= 4:
        return data[1:3], data[3] >> 4, 17 - (data[3] & 0x0F)
    return None


def _missing_parts(found: Iterable[bytes]) -> bool:
    """Whether some multi-code 2D-Doc in ``found`` lacks one of its parts."""
    seen: dict[bytes, tuple[int, set[int]]] = {}
    for data in found:
        key = _multicode_key(data)
        if key is not None:
            code_id, position, count = key
            seen.setdefault(code_id, (count, set()))[1].add(position)
    return any(len(positions) < count for count, positions in seen.values())


def find_2ddocs(image: Image.Image, passes: Iterable[Pass] = PASSES) -> list[bytes]:
    """The bytes of every 2D-Doc symbol in ``image`` (mode ``L``), in the order found.

    Passes run in order until one finds a 2D-Doc (and, for a multi-code 2D-Doc, until every
    part has been found); symbols that are not 2D-Docs (a QR code, another DataMatrix nearby)
    never count. Identical symbols are reported once.
    """
    found: dict[bytes, None] = {}
    for position, attempt in enumerate(passes):
        prepared = attempt.prepare(image)
        if prepared is image and position > 0:
            continue  # the pass does not apply to this image (too large): nothing new to try
        for decoded in attempt.decode(prepared):
            if is_2ddoc(decoded.data):
                found.setdefault(decoded.data)
        if found and not _missing_parts(found):
            break
    return list(found)
