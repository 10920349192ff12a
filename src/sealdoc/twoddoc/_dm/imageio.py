"""Loading images to scan: any Pillow format, every frame, flattened to 8-bit grayscale.

Everything that can go wrong with untrusted input (not an image, truncated file, decompression
bomb, odd modes) becomes a :class:`~sealdoc.errors.DataMatrixError` with a message saying what
is wrong; Pillow's own exceptions never escape.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from sealdoc.errors import DataMatrixError, InputError

__all__ = ["ImageSource", "grayscale_frames"]

ImageSource = Path | str | bytes | bytearray | memoryview | Image.Image

#: Frames of a multi-page TIFF/GIF looked at, at most.
MAX_FRAMES = 64

# What Pillow raises on broken input: UnidentifiedImageError and truncation are OSError; some
# plugins let SyntaxError, ValueError, EOFError, struct.error, zlib.error or an IndexError through.
_PIL_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    TypeError,
    IndexError,
    KeyError,
    struct.error,
    zlib.error,
)


def _describe(source: ImageSource) -> str:
    if isinstance(source, Path | str):
        return f"image {source}"
    if isinstance(source, Image.Image):
        return "image"
    return "image data"


def _open(source: ImageSource) -> Image.Image:
    if isinstance(source, Image.Image):
        return source
    name = _describe(source)
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if not data:
            raise DataMatrixError("cannot read image data: the data is empty")
        stream: io.BytesIO | Path = io.BytesIO(data)
    elif isinstance(source, Path | str):
        stream = Path(source)
        if not stream.is_file():
            raise InputError(f"cannot read {name}: no such file")
    else:
        raise DataMatrixError(
            f"cannot read image: expected a path, bytes or a PIL image, not {type(source).__name__}"
        )
    try:
        with warnings.catch_warnings():
            # Bombs are checked against max_pixels; corrupt-metadata warnings (TIFF tags...)
            # say nothing the decoding result or error will not say.
            warnings.simplefilter("ignore")
            return Image.open(stream)
    except Image.DecompressionBombError as exc:
        raise DataMatrixError(f"cannot read {name}: image too large ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise DataMatrixError(f"cannot read {name}: not an image format Pillow knows") from exc
    except _PIL_ERRORS as exc:
        raise DataMatrixError(f"cannot read {name}: {exc}") from exc


def _to_gray(frame: Image.Image) -> Image.Image:
    """8-bit grayscale; transparent areas become white (modules are usually drawn on clear)."""
    if frame.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        frame = ImageOps.autocontrast(frame.convert("F").convert("L"))
    has_alpha = frame.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        frame.mode in ("P", "L", "RGB") and "transparency" in frame.info
    )
    if has_alpha:
        rgba = frame.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("L")
    return frame.convert("L")  # a copy even for mode L: the file may be closed afterwards


def _read_frame(image: Image.Image, index: int, name: str, max_pixels: int) -> Image.Image | None:
    """Frame ``index`` as a loaded mode ``L`` image, ``None`` past the last frame."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # as in _open
            try:
                image.seek(index)
            except EOFError:
                return None
            width, height = image.size
            if width <= 0 or height <= 0:
                raise DataMatrixError(f"cannot read {name}: the image is empty ({width}x{height})")
            if width * height > max_pixels:
                raise DataMatrixError(
                    f"cannot read {name}: {width}x{height} pixels is over the limit of "
                    f"{max_pixels} pixels (raise max_pixels to scan it)"
                )
            image.load()
            gray = _to_gray(image)
            gray.load()
            return gray
    except DataMatrixError:
        raise
    except Image.DecompressionBombError as exc:
        raise DataMatrixError(f"cannot read {name}: image too large ({exc})") from exc
    except _PIL_ERRORS as exc:
        raise DataMatrixError(f"cannot read {name}: {exc}") from exc


def grayscale_frames(source: ImageSource, *, max_pixels: int) -> Iterator[Image.Image]:
    """Each frame of ``source`` (at most :data:`MAX_FRAMES`) as a loaded mode ``L`` image.

    Raises :class:`DataMatrixError` for an unreadable image or a frame over ``max_pixels``.
    A PIL image passed in is left on the frame it was on.
    """
    image = _open(source)
    name = _describe(source)
    caller_frame = image.tell() if isinstance(source, Image.Image) else None
    try:
        for index in range(MAX_FRAMES):
            gray = _read_frame(image, index, name, max_pixels)
            if gray is None:
                return
            yield gray
    finally:
        if caller_frame is None:
            image.close()
        elif image.tell() != caller_frame:
            image.seek(caller_frame)
