"""sealdoc: issue and verify trusted administrative documents."""

from sealdoc.errors import SealdocError
from sealdoc.report import Check, CheckStatus, Indication, SubIndication, VerificationReport

__all__ = [
    "Check",
    "CheckStatus",
    "Indication",
    "SealdocError",
    "SubIndication",
    "VerificationReport",
]
__version__ = "0.1.0"
