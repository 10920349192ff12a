"""Is a deposited PDF sealed by the depositing agency? (``SealCheck.problem``)

The PDF must verify (:func:`sealdoc.pades.verify_pdf`, indication PASSED, with the service's
trust anchors and revocation policy) and at least one of its signatures must have been made
with one of the agency's registered certificates: a valid seal by *another* agency is refused.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from sealdoc.errors import SealdocError, TrustError
from sealdoc.report import Indication
from sealdoc.trust import load_certificate_file

__all__ = ["SealCheck", "load_certificates"]


def load_certificates(paths: Sequence[Path]) -> list[x509.Certificate]:
    certs: list[x509.Certificate] = []
    for path in paths:
        certs.extend(load_certificate_file(Path(path)))
    if not certs:
        raise TrustError(f"no certificate in {', '.join(str(p) for p in paths)}")
    return certs


class SealCheck:
    def __init__(
        self,
        trust_anchors: Sequence[x509.Certificate],
        *,
        revocation: str = "require",
        online: bool = True,
        network_timeout_s: float = 10.0,
    ) -> None:
        self.trust_anchors = list(trust_anchors)
        self.revocation = revocation
        self.online = online and revocation != "none"
        self.network_timeout_s = network_timeout_s

    def problem(
        self, data: bytes, agency_certificates: Sequence[x509.Certificate], at: dt.datetime
    ) -> str | None:
        """``None`` if ``data`` is a PDF validly sealed by the agency, else the reason why not."""
        from sealdoc.pades import verify_pdf

        fetchers = None
        if self.online:
            from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

            fetchers = AIOHttpFetcherBackend(per_request_timeout=int(self.network_timeout_s))
        try:
            report = verify_pdf(
                data, trust=self.trust_anchors, revocation=self.revocation, fetchers=fetchers, at=at
            )
        except SealdocError as exc:
            return f"the document cannot be verified: {exc}"
        if report.indication is not Indication.PASSED:
            failing = [c.message for c in report.checks if c.status != "passed"]
            detail = "; ".join(failing) or str(report.sub_indication)
            return f"the seal does not verify ({report.indication}): {detail}"
        signers = _signer_certificates(data)
        own = {c.public_bytes(Encoding.DER) for c in agency_certificates}
        if not any(s in own for s in signers):
            return "the document is not sealed with the depositing agency's certificate"
        return None


def _signer_certificates(data: bytes) -> list[bytes]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        return [sig.signer_cert.dump() for sig in reader.embedded_regular_signatures]
    except Exception:
        return []
