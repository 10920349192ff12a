"""PAdES: seal PDFs (:func:`seal`) and verify their signatures (:func:`verify_pdf`).

* :func:`seal` / :func:`seal_bytes`: PAdES B-B, B-T, B-LT, B-LTA with pyHanko, visible
  2D-Doc stamp (:class:`StampSpec`) and embedded 2D-Doc payload.
* :func:`verify_pdf`: one :class:`~sealdoc.report.SignatureReport` per signature and document
  time-stamp; :func:`embedded_twoddoc`: the 2D-Doc payload the seal signed;
  :class:`ValidationCache`: reuse certificate results across documents.
"""

from sealdoc.pades.anchors import PdfTrust, TrustInput, resolve_trust
from sealdoc.pades.appearance import PAYLOAD_FILE_NAME, StampSpec
from sealdoc.pades.cache import ValidationCache
from sealdoc.pades.limits import VerifyLimits
from sealdoc.pades.policy import AlgorithmPolicy, PadesLevel, RevocationPolicy
from sealdoc.pades.seal import SealedBytes, SealingKey, SealResult, seal, seal_bytes
from sealdoc.pades.verify import embedded_twoddoc, verify_pdf

__all__ = [
    "PAYLOAD_FILE_NAME",
    "AlgorithmPolicy",
    "PadesLevel",
    "PdfTrust",
    "RevocationPolicy",
    "SealResult",
    "SealedBytes",
    "SealingKey",
    "StampSpec",
    "TrustInput",
    "ValidationCache",
    "VerifyLimits",
    "embedded_twoddoc",
    "resolve_trust",
    "seal",
    "seal_bytes",
    "verify_pdf",
]
