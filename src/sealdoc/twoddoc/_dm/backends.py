"""Thin adapters over the two DataMatrix decoders: zxing-cpp (primary) and libdmtx (fallback).

Both return the exact decoded bytes of every DataMatrix symbol found in a grayscale image.
libdmtx is reached through ``pylibdmtx.wrapper`` (ctypes) rather than ``pylibdmtx.decode``,
because the latter cuts the output at the first NUL byte (it uses ``ctypes.string_at`` without
a length), which would corrupt binary 2D-Docs. libdmtx is optional: without the shared library
the fallback is simply skipped.
"""

from __future__ import annotations

import ctypes
import warnings
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

import zxingcpp
from PIL import Image

__all__ = ["Decoded", "encode_libdmtx", "libdmtx_available", "read_libdmtx", "read_zxing"]

#: ASCII GS, which a reader outputs for an FNC1 that is not in first position (ISO 16022 5.5).
_GS = 29


_DATAMATRIX = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.DataMatrix)


@dataclass(frozen=True)
class Decoded:
    """One decoded symbol: its bytes and the decoder that read it."""

    data: bytes
    decoder: str


def read_zxing(
    image: Image.Image,
    *,
    binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage,
    try_harder: bool = True,
) -> list[Decoded]:
    """Every DataMatrix symbol zxing-cpp finds in a grayscale (mode ``L``) image."""
    results = zxingcpp.read_barcodes(
        image,
        formats=_DATAMATRIX,
        try_rotate=try_harder,
        try_downscale=try_harder,
        try_invert=try_harder,
        binarizer=binarizer,
    )
    return [Decoded(r.bytes, "zxing-cpp") for r in results if r.valid]


@cache
def _libdmtx() -> ModuleType | None:
    try:
        with warnings.catch_warnings():
            # pylibdmtx 0.1.10 compares versions with distutils' LooseVersion.
            warnings.simplefilter("ignore", DeprecationWarning)
            from pylibdmtx import wrapper

            wrapper.load_libdmtx()
    except (ImportError, OSError):
        return None
    module: ModuleType = wrapper
    return module


def libdmtx_available() -> bool:
    """Whether the libdmtx shared library could be loaded."""
    return _libdmtx() is not None


def read_libdmtx(
    image: Image.Image, *, timeout_ms: int = 2000, max_count: int | None = None, shrink: int = 1
) -> list[Decoded]:
    """Every DataMatrix symbol libdmtx finds in a grayscale (mode ``L``) image.

    libdmtx scans exhaustively and is slow on large images, hence the wall-clock ``timeout_ms``
    (the symbols found before it expires are returned). ``shrink`` > 1 makes libdmtx work on a
    subsampled image.
    """
    w = _libdmtx()
    if w is None:
        return []
    pixels = ctypes.c_char_p(image.tobytes())  # keeps the buffer alive while libdmtx reads it
    found: list[Decoded] = []
    img: Any = w.dmtxImageCreate(
        ctypes.cast(pixels, w.c_ubyte_p),
        image.width,
        image.height,
        w.DmtxPackOrder.DmtxPack8bppK,
    )
    if not img:
        return []
    try:
        dec: Any = w.dmtxDecodeCreate(img, shrink)
        if not dec:
            return []
        try:
            w.dmtxDecodeSetProp(dec, w.DmtxProperty.DmtxPropFnc1, _GS)
            deadline = w.dmtxTimeAdd(w.dmtxTimeNow(), timeout_ms)
            while max_count is None or len(found) < max_count:
                region: Any = w.dmtxRegionFindNext(dec, ctypes.byref(deadline))
                if not region:
                    break
                try:
                    msg: Any = w.dmtxDecodeMatrixRegion(dec, region, w.DmtxUndefined)
                    if msg:
                        try:
                            contents = msg.contents
                            data = ctypes.string_at(contents.output, contents.outputIdx)
                            found.append(Decoded(data, "libdmtx"))
                        finally:
                            w.dmtxMessageDestroy(ctypes.byref(msg))
                finally:
                    w.dmtxRegionDestroy(ctypes.byref(region))
        finally:
            w.dmtxDecodeDestroy(ctypes.byref(dec))
    finally:
        w.dmtxImageDestroy(ctypes.byref(img))
    return found


def encode_libdmtx(data: bytes) -> tuple[tuple[bool, ...], ...] | None:
    """libdmtx's square symbol for ``data`` in forced C40 encodation, as a module matrix.

    Not used to render 2D-Docs (see ``docs/dev/datamatrix-choice.md``): it is the independent
    encoder the tests and the benchmark compare sealdoc's with. ``None`` if libdmtx is missing
    or cannot encode ``data``.
    """
    w = _libdmtx()
    if w is None:
        return None
    enc: Any = w.dmtxEncodeCreate()
    if not enc:
        return None
    try:
        props = w.DmtxProperty
        w.dmtxEncodeSetProp(enc, props.DmtxPropScheme, w.DmtxScheme.DmtxSchemeC40)
        w.dmtxEncodeSetProp(enc, props.DmtxPropSizeRequest, w.DmtxSymbolSize.DmtxSymbolSquareAuto)
        w.dmtxEncodeSetProp(enc, props.DmtxPropModuleSize, 1)
        w.dmtxEncodeSetProp(enc, props.DmtxPropMarginSize, 0)
        buffer = ctypes.c_char_p(data)
        if not w.dmtxEncodeDataMatrix(enc, len(data), ctypes.cast(buffer, w.c_ubyte_p)):
            return None
        image = enc[0].image
        width = w.dmtxImageGetProp(image, props.DmtxPropWidth)
        height = w.dmtxImageGetProp(image, props.DmtxPropHeight)
        bpp = w.dmtxImageGetProp(image, props.DmtxPropBitsPerPixel) // 8
        pixels = ctypes.string_at(image[0].pxl, width * height * bpp)
        return tuple(
            tuple(pixels[(y * width + x) * bpp] < 128 for x in range(width)) for y in range(height)
        )
    finally:
        w.dmtxEncodeDestroy(ctypes.byref(enc))
