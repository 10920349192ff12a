"""Guards for untrusted PDFs: size, decoding, time and structure limits.

Every PDF handed to the verifier is treated as hostile. The guards here make sure that reading
one never takes unbounded memory or time, and never lets a library exception escape untyped:

* the input is refused above ``max_bytes`` before anything is parsed;
* stream decoding is bounded by pyHanko's decode limits (``max_decoded_bytes`` for the whole
  document: decompression bombs stop there);
* the work runs in a daemon worker thread; the caller waits at most ``timeout_s``. The worker
  reads the document through :class:`DeadlineStream`, which raises as soon as the deadline
  has passed, so a parser stuck in a loop over the file stops at its next read;
* the numbers of signatures and of revisions are capped (``max_signatures``,
  ``max_revisions``) so a crafted file cannot make verification quadratic.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pyhanko.pdf_utils.decode_limits import DecodeLimits, DocumentDecodeBudget
from pyhanko.pdf_utils.misc import PdfError as PyHankoPdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from sealdoc._internal.inputs import read_limited
from sealdoc.errors import PdfError

__all__ = [
    "DeadlineExceeded",
    "DeadlineStream",
    "VerifyLimits",
    "open_reader",
    "read_pdf_source",
    "run_with_deadline",
]

T = TypeVar("T")

MiB = 1024 * 1024

PdfSource = str | os.PathLike[str] | bytes


@dataclass(frozen=True)
class VerifyLimits:
    """Bounds on the work spent on one PDF.

    ``max_bytes``: size of the file; ``max_decoded_bytes``: total output of stream decoders;
    ``timeout_s``: wall-clock time for the whole verification (the caller gets a
    :class:`~sealdoc.errors.PdfError` when it runs out); ``max_signatures`` and
    ``max_revisions``: structure of the document.
    """

    max_bytes: int = 64 * MiB
    max_decoded_bytes: int = 256 * MiB
    timeout_s: float = 60.0
    max_signatures: int = 64
    max_revisions: int = 512

    def decode_limits(self) -> DecodeLimits:
        return DecodeLimits(
            document_budget=DocumentDecodeBudget(base_allowance=self.max_decoded_bytes, max_ratio=1)
        )


class DeadlineExceeded(BaseException):
    """Raised inside the worker when the time limit has passed.

    A ``BaseException`` so that the ``except Exception`` handlers of the libraries underneath
    (and the per-signature guard of the verifier) cannot swallow it.
    """


class DeadlineStream(io.BytesIO):
    """An in-memory PDF that refuses to be read after a deadline (``time.monotonic()``)."""

    def __init__(self, data: bytes, deadline: float | None) -> None:
        super().__init__(data)
        self._deadline = deadline

    def _check(self) -> None:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise DeadlineExceeded

    def read(self, size: int | None = -1, /) -> bytes:
        self._check()
        return super().read(size)

    def readline(self, size: int | None = -1, /) -> bytes:
        self._check()
        return super().readline(size)

    def seek(self, pos: int, whence: int = 0, /) -> int:
        self._check()
        return super().seek(pos, whence)


def read_pdf_source(source: PdfSource, limits: VerifyLimits) -> tuple[str, bytes]:
    """Read ``source`` (bytes or a path) into memory, refusing anything over ``max_bytes``.

    Returns a display name and the content. Raises :class:`PdfError` or :class:`InputError`.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        name = "<bytes>"
    else:
        path = Path(source)
        name = str(path)
        data = read_limited(path, limits.max_bytes, too_large=PdfError)
    if len(data) > limits.max_bytes:
        raise PdfError(f"{name}: {len(data)} bytes exceed the limit of {limits.max_bytes} bytes")
    if not data.lstrip(b"\x00\t\r\n ")[:1024].find(b"%PDF-") >= 0:
        raise PdfError(f"{name}: not a PDF (no %PDF- header in the first 1024 bytes)")
    return name, data


def open_reader(
    data: bytes, limits: VerifyLimits, *, deadline: float | None = None, strict: bool = True
) -> PdfFileReader:
    """Parse the cross-reference structure of ``data``; raise :class:`PdfError` if impossible.

    An encrypted document is refused: sealdoc neither seals nor verifies encrypted PDFs.
    """
    stream = DeadlineStream(data, deadline)
    try:
        reader = PdfFileReader(stream, strict=strict, decode_limits=limits.decode_limits())
        encrypted = reader.encrypted
    except RecursionError as exc:
        raise PdfError("the PDF structure is nested too deeply to be read") from exc
    except (PyHankoPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise PdfError(f"the PDF cannot be parsed: {_describe(exc)}") from exc
    except (OSError, EOFError, OverflowError, MemoryError) as exc:
        raise PdfError(f"the PDF cannot be read: {_describe(exc)}") from exc
    if encrypted:
        raise PdfError("the PDF is encrypted; decrypt it first (encrypted PDFs are not supported)")
    revisions = reader.xrefs.total_revisions
    if revisions > limits.max_revisions:
        raise PdfError(
            f"the PDF has {revisions} revisions, over the limit of {limits.max_revisions}"
        )
    return reader


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or "no detail"
    if len(text) > 300:
        text = text[:300] + "..."
    return f"{type(exc).__name__}: {text}"


def describe_exception(exc: BaseException) -> str:
    """A short, single-line description of an exception for a report message."""
    return _describe(exc).replace("\n", " ")


def run_with_deadline(func: Callable[[float | None], T], timeout_s: float | None) -> T:
    """Run ``func(deadline)`` in a daemon thread and wait at most ``timeout_s`` seconds.

    ``deadline`` is a ``time.monotonic()`` value the function passes on to
    :class:`DeadlineStream` (``None`` without a timeout). Exceptions raised by ``func``
    propagate to the caller; a timeout raises :class:`PdfError`.
    """
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    values: list[T] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            values.append(func(deadline))
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=work, name="sealdoc-pdf-worker", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive() or any(isinstance(exc, DeadlineExceeded) for exc in errors):
        raise PdfError(
            f"processing the PDF took longer than the limit of {timeout_s:g} s "
            "(raise it with VerifyLimits(timeout_s=...))"
        )
    if errors:
        raise errors[0]
    return values[0]
