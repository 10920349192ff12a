"""Audit one document: verify it, then judge how long its proof lasts.

A :class:`DocumentAuditor` lives in one process and keeps its caches across the documents it
audits:

* **2D-Doc codes**: the evaluation of the signer's certificate (resolution, chain to the trust
  list or anchors, validity at the signature date, revocation) is cached by
  ``(CA id, certificate id, signature date)`` for the audit's ``at`` and revocation policy, so
  10,000 codes of one agency resolve and check its certificate once. The code's own signature
  and fields are checked per code. The report equals :func:`sealdoc.twoddoc.verify.verify_code`'s
  (a test holds them together).
* **PDFs**: the seal is verified by :func:`sealdoc.pades.verify_pdf` with the audit's policy,
  every check, for every document; the certificate work (path validation, revocation, LTV) is
  memoised in a :class:`~sealdoc.pades.cache.ValidationCache` keyed by everything that decides
  it (certificates, validation moment, anchors, policies, embedded revocation data), so
  documents sealed by the same certificate share it. ``use_validation_cache=False`` turns it
  off (the reports are the same; a test holds them together). Chains of time-stamp
  certificates used for the renew-before date are cached by certificate fingerprint
  (:class:`~sealdoc.audit.protection.ChainCache`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sealdoc._internal.inputs import InputKind, classify
from sealdoc.audit.models import DocumentAudit
from sealdoc.audit.policy import CryptoPolicy
from sealdoc.audit.protection import ChainCache, Protection, analyse_pdf, code_protection
from sealdoc.errors import InputError, SealdocError, TrustError
from sealdoc.report import Check, CheckStatus, VerificationReport
from sealdoc.trust import RevocationPolicy, TrustMaterial
from sealdoc.twoddoc.codec import TwoDDoc
from sealdoc.twoddoc.participants import ParticipantEvaluation, check_participant
from sealdoc.twoddoc.verify import code_report

__all__ = ["DOCUMENT_SUFFIXES", "AuditSettings", "DocumentAuditor"]

#: Files with these suffixes are expected to be documents: if their content is not one, they
#: are reported as unreadable rather than skipped.
DOCUMENT_SUFFIXES = frozenset(
    {".pdf", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".2ddoc"}
)


@dataclass(frozen=True)
class AuditSettings:
    """Everything a worker needs besides the trust material (all picklable)."""

    root: Path
    at: dt.datetime
    revocation: RevocationPolicy = RevocationPolicy.SOFT_FAIL
    policy: CryptoPolicy = field(default_factory=CryptoPolicy.default)
    max_bytes: int = 256 * 1024 * 1024
    include_reports: bool = True


class NotADocument(Exception):
    """The file is not a PDF, an image or a 2D-Doc code (skipped, not an error)."""


class DocumentAuditor:
    def __init__(
        self,
        settings: AuditSettings,
        trust: TrustMaterial,
        *,
        use_validation_cache: bool = True,
    ) -> None:
        from sealdoc.pades.cache import ValidationCache

        self.settings = settings
        self.trust = trust
        self.chains = ChainCache(anchors=trust.anchors)
        self.validations = ValidationCache() if use_validation_cache else None
        self._participants: dict[tuple[str, str, dt.date | None], ParticipantEvaluation] = {}
        self.participant_hits = 0
        self.participant_misses = 0

    @property
    def cache_stats(self) -> dict[str, int]:
        validations = self.validations
        return {
            "certificate_hits": self.participant_hits + self.chains.hits,
            "certificate_misses": self.participant_misses + self.chains.misses,
            "validation_hits": validations.hits if validations else 0,
            "validation_misses": validations.misses if validations else 0,
        }

    # -------------------------------------------------------------------- one document

    def audit(self, relative: str) -> DocumentAudit:
        """Audit ``root/relative``. Raises :class:`NotADocument` for other files and
        :class:`TrustError` when the trust material itself is unusable."""
        location = self.settings.root / relative
        try:
            data = _read(location, self.settings.max_bytes)
        except InputError as exc:
            return _unreadable(relative, "unknown", b"", str(exc))
        try:
            loaded = classify(data, relative)
        except InputError as exc:
            if location.suffix.lower() in DOCUMENT_SUFFIXES:
                return _unreadable(relative, "unknown", data, str(exc))
            raise NotADocument(str(exc)) from exc
        try:
            if loaded.kind is InputKind.PDF:
                return self._pdf(relative, data)
            if loaded.kind is InputKind.CODE:
                return self._code(relative, data, loaded.data)
            return self._image(relative, data)
        except TrustError:
            raise
        except SealdocError as exc:
            fmt = {"pdf": "pdf", "code": "2d-doc", "image": "image"}[loaded.kind.value]
            return _unreadable(relative, fmt, data, str(exc))

    def _pdf(self, relative: str, data: bytes) -> DocumentAudit:
        from sealdoc._internal.inputs import LoadedInput
        from sealdoc.pades import VerifyLimits
        from sealdoc.pades.document import verify_document

        settings = self.settings
        # As sealdoc.verify does, with the audit's policy; pages are searched for a 2D-Doc only
        # when the seal carries one (then it must be on the page and match), which keeps an
        # audit of plain sealed PDFs at the cost of their seals.
        report = verify_document(
            LoadedInput(relative, InputKind.PDF, data),
            trust=self.trust,
            at=settings.at,
            revocation=settings.revocation.value,
            algorithms=settings.policy.pades_policy(),
            limits=VerifyLimits(max_bytes=settings.max_bytes),
            scan_unsealed=False,
            cache=self.validations,
        )
        seals = [s for s in report.signatures if s.type == "signature"]
        seal = seals[0] if seals else None
        seal_time = seal.signing_time if seal else None
        source = None
        if seal is not None and seal_time is not None:
            stamped = any(
                c.id == "timestamp" and c.status is CheckStatus.PASSED for c in seal.checks
            )
            source = "timestamp" if stamped else "claimed"
        ltv = seal is not None and any(
            c.id == "ltv" and c.status is CheckStatus.PASSED for c in seal.checks
        )
        protection = analyse_pdf(
            data, ltv=ltv, policy=settings.policy, chains=self.chains, at=settings.at
        )
        problems = [
            f"{sig.field_name or sig.type}: {c.id}: {c.message}"
            for sig in report.signatures
            for c in sig.checks
            if c.status in (CheckStatus.FAILED, CheckStatus.INDETERMINATE)
        ] + _problems([c for c in report.checks if c.id.startswith("twoddoc")])
        if not problems:
            problems = _problems(report.checks)
        return self._document(
            relative,
            "pdf",
            data,
            report,
            protection,
            seal_time=seal_time,
            source=source,
            level=seal.level if seal else None,
            ltv=ltv,
            problems=problems,
        )

    def _code(self, relative: str, data: bytes, code: bytes) -> DocumentAudit:
        doc = TwoDDoc.parse(code)
        report, evaluation = self.verify_code(doc, input_name=relative)
        header = doc.header
        seal_time = (
            dt.datetime.combine(header.signature_date, dt.time(), tzinfo=dt.UTC)
            if header.signature_date is not None
            else None
        )
        protection = code_protection(
            evaluation.certificate, policy=self.settings.policy, at=self.settings.at
        )
        return self._document(
            relative,
            "2d-doc",
            data,
            report,
            protection,
            seal_time=seal_time,
            source="code" if seal_time else None,
            level=None,
            ltv=False,
            problems=_problems(report.checks),
        )

    def _image(self, relative: str, data: bytes) -> DocumentAudit:
        from sealdoc.verification import verify

        report = verify(
            data,
            trust=self.trust,
            at=self.settings.at,
            revocation=self.settings.revocation,
            max_bytes=self.settings.max_bytes,
        )
        protection = code_protection(None, policy=self.settings.policy, at=self.settings.at)
        return self._document(
            relative,
            "image",
            data,
            report,
            protection,
            seal_time=None,
            source=None,
            level=None,
            ltv=False,
            problems=_problems(report.checks),
        )

    def _document(
        self,
        relative: str,
        fmt: str,
        data: bytes,
        report: VerificationReport,
        protection: Protection,
        *,
        seal_time: dt.datetime | None,
        source: str | None,
        level: str | None,
        ltv: bool,
        problems: list[str],
    ) -> DocumentAudit:
        return DocumentAudit.model_validate(
            {
                "path": relative,
                "format": fmt,
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
                "verdict": report.indication,
                "sub_indication": report.sub_indication,
                "signer": report.signer,
                "seal_time": seal_time,
                "seal_time_source": source,
                "level": level,
                "ltv": ltv,
                "timestamps": protection.timestamps,
                "renew_before": protection.renew_before,
                "renew_reason": protection.renew_reason,
                "findings": protection.findings,
                "problems": problems,
                "report": report if self.settings.include_reports else None,
            }
        )

    # -------------------------------------------------------------------- 2D-Doc, cached

    def verify_code(
        self, doc: TwoDDoc, *, input_name: str | None = None
    ) -> tuple[VerificationReport, ParticipantEvaluation]:
        """:func:`sealdoc.twoddoc.verify.verify_code`, with the certificate evaluation cached."""
        header = doc.header
        key = (header.ca_id, header.cert_id, header.signature_date)
        evaluation = self._participants.get(key)
        if evaluation is None:
            self.participant_misses += 1
            evaluation = check_participant(
                header.ca_id,
                header.cert_id,
                signature_date=header.signature_date,
                at=self.settings.at,
                trust=self.trust,
                revocation=self.settings.revocation,
            )
            self._participants[key] = evaluation
        else:
            self.participant_hits += 1
        report = code_report(doc, evaluation, at=self.settings.at, input_name=input_name)
        return report, evaluation


def _read(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"file of {size} bytes exceeds the limit of {max_bytes} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})") from exc


def _problems(checks: list[Check]) -> list[str]:
    return [
        f"{c.id}: {c.message}"
        for c in checks
        if c.status in (CheckStatus.FAILED, CheckStatus.INDETERMINATE)
    ]


def _unreadable(relative: str, fmt: str, data: bytes, error: str) -> DocumentAudit:
    return DocumentAudit.model_validate(
        {
            "path": relative,
            "format": fmt,
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "verdict": None,
            "error": error,
        }
    )
