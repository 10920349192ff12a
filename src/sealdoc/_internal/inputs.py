"""Reading what a caller hands to :func:`sealdoc.verify`: a raw 2D-Doc, an image, or a PDF."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sealdoc.errors import InputError

__all__ = [
    "DEFAULT_MAX_INPUT_BYTES",
    "InputKind",
    "LoadedInput",
    "classify",
    "load_input",
    "read_limited",
]

#: Inputs larger than this are refused before they are parsed (configurable per call).
DEFAULT_MAX_INPUT_BYTES = 256 * 1024 * 1024

# Control characters of the 2D-Doc format, as printed in the specification.
_NOTATION = {"<GS>": "\x1d", "<RS>": "\x1e", "<US>": "\x1f"}
_NOTATION_RE = re.compile("|".join(re.escape(k) for k in _NOTATION))
_CODE_START = re.compile(rb"^DC0[1-4]")

_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"BM",  # BMP
    b"II*\x00",  # TIFF little-endian
    b"MM\x00*",  # TIFF big-endian
)


class InputKind(StrEnum):
    CODE = "code"
    IMAGE = "image"
    PDF = "pdf"


@dataclass(frozen=True)
class LoadedInput:
    """An input read into memory and classified by its content (never by its file name)."""

    name: str
    kind: InputKind
    data: bytes


def _looks_like_image(data: bytes) -> bool:
    if data.startswith(_IMAGE_MAGIC):
        return True
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def _normalise_code(data: bytes) -> bytes:
    """A raw code from a text file: drop a BOM and the final newline, expand ``<GS>`` notation."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    data = data.rstrip(b"\r\n")
    if b"<" in data:
        text = data.decode("latin-1")
        data = _NOTATION_RE.sub(lambda m: _NOTATION[m.group(0)], text).encode("latin-1")
    return data


def classify(data: bytes, name: str) -> LoadedInput:
    """Decide what ``data`` is from its first bytes."""
    if not data.strip():
        raise InputError(f"{name}: the input is empty")
    head = data.lstrip(b" \t\r\n\x00")[:1024]
    if head.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return LoadedInput(name, InputKind.PDF, data)
    if _looks_like_image(data):
        return LoadedInput(name, InputKind.IMAGE, data)
    code = _normalise_code(data)
    if _CODE_START.match(code) or code[:1] == b"\xdc":
        return LoadedInput(name, InputKind.CODE, code)
    raise InputError(
        f"{name}: not a 2D-Doc code, an image (PNG, JPEG, GIF, BMP, TIFF, WebP) or a PDF; "
        "a code must start with 'DC' and a version 01 to 04"
    )


def read_limited(path: Path, max_bytes: int, *, too_large: type[InputError] = InputError) -> bytes:
    """The content of ``path``, refused (``too_large``) past ``max_bytes`` before it is read.

    Every way a file can fail to be read is an :class:`InputError` saying which.
    """
    name = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise too_large(
                f"{name}: file of {size} bytes exceeds the limit of {max_bytes} bytes "
                "(raise it with max_bytes= / --max-bytes)"
            )
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise InputError(f"{name}: no such file") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{name}: is a directory, not a file") from exc
    except PermissionError as exc:
        raise InputError(f"{name}: permission denied") from exc
    except OSError as exc:
        raise InputError(f"{name}: cannot be read ({exc.strerror or exc})") from exc
    if len(data) > max_bytes:
        raise too_large(f"{name}: exceeds the limit of {max_bytes} bytes")
    return data


def load_input(
    source: str | bytes | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_INPUT_BYTES
) -> LoadedInput:
    """Read and classify ``source``.

    ``bytes`` are content; a ``str`` that starts like a 2D-Doc header (``DC01``–``DC04``) is a raw
    code; any other ``str`` or path-like is a file path.
    """
    if isinstance(source, bytes):
        if len(source) > max_bytes:
            raise InputError(f"input of {len(source)} bytes exceeds the limit of {max_bytes} bytes")
        return classify(source, "<bytes>")
    if isinstance(source, str) and _CODE_START.match(source.encode("latin-1", "replace")):
        try:
            data = source.encode("latin-1")
        except UnicodeEncodeError as exc:
            raise InputError(f"a 2D-Doc code holds only C40/Latin-1 characters: {exc}") from exc
        return classify(data, "<code>")
    path = Path(source)
    return classify(read_limited(path, max_bytes), str(path))
