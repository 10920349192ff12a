"""The exceptions sealdoc raises.

Every error a caller can cause derives from :class:`SealdocError` and carries a message that says
what is wrong and, where it helps, what to do about it. Verification outcomes are *not*
exceptions: a forged document yields a :class:`~sealdoc.report.VerificationReport` with the
indication ``FAILED``; exceptions are for input that cannot be processed at all.
"""

from __future__ import annotations

__all__ = [
    "DataMatrixError",
    "DeliveryError",
    "EncodingError",
    "FieldError",
    "InputError",
    "KeyAccessError",
    "ParseError",
    "PdfError",
    "SealdocError",
    "SealingError",
    "StorageError",
    "TrustError",
    "VerificationFailed",
]


class SealdocError(Exception):
    """Root of every exception sealdoc raises on purpose."""

    #: A short, stable name for the kind of error, used in JSON output (``error.type``).
    kind: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(SealdocError):
    """An input cannot be read at all (missing file, unknown format, too large)."""

    kind = "input"


class ParseError(InputError):
    """Input is not well-formed for the format it claims (a truncated 2D-Doc, a corrupt PDF)."""

    kind = "parse"

    def __init__(self, message: str, *, offset: int | None = None) -> None:
        super().__init__(message if offset is None else f"{message} (at offset {offset})")
        self.offset = offset


class DataMatrixError(InputError):
    """No 2D-Doc symbol could be found or decoded in an image or a PDF page."""

    kind = "datamatrix"


class PdfError(InputError):
    """A PDF cannot be processed (corrupt, encrypted, over the configured limits)."""

    kind = "pdf"


class EncodingError(SealdocError):
    """Something cannot be encoded as asked (for example a 2D-Doc with an invalid header)."""

    kind = "encoding"


class FieldError(EncodingError):
    """A 2D-Doc field value breaks the rules of its data identifier or document type."""

    kind = "field"

    def __init__(self, field_id: str, message: str) -> None:
        super().__init__(f"field {field_id}: {message}")
        self.field_id = field_id


class KeyAccessError(SealdocError):
    """A signing key or certificate cannot be loaded or used (bad file, wrong password/PIN)."""

    kind = "key"


class TrustError(SealdocError):
    """Trust material (trust list, anchors, certificate directory) is unusable."""

    kind = "trust"


class SealingError(SealdocError):
    """A document cannot be sealed (encrypted input, unusable certificate, TSA not answering)."""

    kind = "sealing"


class DeliveryError(SealdocError):
    """The delivery service refused or could not complete an operation."""

    kind = "delivery"


class StorageError(SealdocError):
    """Persistent storage failed; nothing was acknowledged."""

    kind = "storage"


class VerificationFailed(SealdocError):
    """Raised by :meth:`VerificationReport.raise_for_status` when a report is not ``PASSED``."""

    kind = "verification"

    def __init__(self, message: str, indication: str, sub_indication: str | None) -> None:
        super().__init__(message)
        self.indication = indication
        self.sub_indication = sub_indication
