"""sealdoc: issue trusted administrative documents and verify them.

Verify anything a company receives (a PDF, a scanned image, a raw 2D-Doc)::

    import sealdoc
    trust = sealdoc.TrustMaterial.load(trust_certs=[Path("ca.pem")])
    report = sealdoc.verify(Path("notice.pdf"), trust=trust)
    report.indication, report.checks, report.raise_for_status()

Seal a PDF (PAdES B-B to B-LTA, optional 2D-Doc stamp)::

    with sealdoc.load_key(key=Path("seal.key"), cert=Path("seal.pem")) as key:
        sealdoc.seal(Path("in.pdf"), Path("out.pdf"), key, level="B-T", tsa_url=...)

Nothing here does I/O at import time; the PAdES machinery (pyHanko) is imported on first use of
:func:`seal`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sealdoc.errors import (
    DataMatrixError,
    DeliveryError,
    EncodingError,
    FieldError,
    InputError,
    KeyAccessError,
    ParseError,
    PdfError,
    SealdocError,
    SealingError,
    StorageError,
    TrustError,
    VerificationFailed,
)
from sealdoc.keys import Pkcs11Spec, SigningKey, load_key
from sealdoc.report import (
    Check,
    CheckStatus,
    Indication,
    SignatureReport,
    SubIndication,
    VerificationReport,
)
from sealdoc.trust import RevocationPolicy, TrustMaterial
from sealdoc.twoddoc import TwoDDoc
from sealdoc.verification import verify

if TYPE_CHECKING:
    from sealdoc.pades import seal

__all__ = [
    "Check",
    "CheckStatus",
    "DataMatrixError",
    "DeliveryError",
    "EncodingError",
    "FieldError",
    "Indication",
    "InputError",
    "KeyAccessError",
    "ParseError",
    "PdfError",
    "Pkcs11Spec",
    "RevocationPolicy",
    "SealdocError",
    "SealingError",
    "SignatureReport",
    "SigningKey",
    "StorageError",
    "SubIndication",
    "TrustError",
    "TrustMaterial",
    "TwoDDoc",
    "VerificationFailed",
    "VerificationReport",
    "load_key",
    "seal",
    "verify",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "seal":
        from sealdoc.pades import seal as _seal

        return _seal
    raise AttributeError(f"module 'sealdoc' has no attribute {name!r}")
