"""What an audit reports: one :class:`DocumentAudit` per document, and an :class:`AuditReport`."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sealdoc.audit.protection import Finding, TimestampInfo
from sealdoc.report import Indication, SubIndication, VerificationReport

__all__ = ["AuditReport", "AuditSummary", "DocumentAudit", "RenewalItem"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DocumentAudit(_Model):
    """The audit of one document of the archive."""

    path: str = Field(description="Relative path in the archive.")
    format: Literal["pdf", "2d-doc", "image", "unknown"]
    sha256: str
    size: int
    verdict: Indication | None = Field(description="None: the document could not be read.")
    sub_indication: SubIndication | None = None
    signer: str | None = None
    seal_time: dt.datetime | None = None
    seal_time_source: Literal["timestamp", "claimed", "code"] | None = Field(
        default=None,
        description="'timestamp': from a trusted time-stamp; 'claimed': the signer's own "
        "claim; 'code': the signature date written in a 2D-Doc.",
    )
    level: str | None = Field(default=None, description="PAdES level (B-B, B-T, B-LT, B-LTA).")
    ltv: bool = Field(default=False, description="Validation material embedded and sufficient.")
    timestamps: list[TimestampInfo] = Field(default_factory=list)
    renew_before: dt.date | None = None
    renew_reason: str | None = None
    findings: list[Finding] = Field(default_factory=list)
    problems: list[str] = Field(
        default_factory=list, description="Failed or indeterminate checks, one line each."
    )
    error: str | None = Field(default=None, description="Why the document could not be read.")
    report: VerificationReport | None = None

    @property
    def verdict_label(self) -> str:
        return self.verdict.value if self.verdict is not None else "UNREADABLE"


class RenewalItem(_Model):
    path: str
    renew_before: dt.date
    reason: str | None


class AuditSummary(_Model):
    documents: int
    by_verdict: dict[str, int] = Field(
        description="Counts by verdict: PASSED, FAILED, INDETERMINATE, UNREADABLE."
    )
    findings: dict[str, int] = Field(description="Counts by finding code.")
    renew_first: list[RenewalItem] = Field(
        description="The documents whose protection ends first (up to 20)."
    )
    skipped: int = Field(description="Files that are not documents (or symlinks).")


class AuditReport(_Model):
    """The outcome of :func:`sealdoc.audit.audit_archive`."""

    root: str
    at: dt.datetime
    policy: str
    revocation: str
    documents: list[DocumentAudit]
    skipped: list[str] = Field(default_factory=list)
    summary: AuditSummary
    elapsed_s: float = Field(description="Wall-clock duration of the audit.")
    jobs: int
    cache: dict[str, int] = Field(
        default_factory=dict, description="Reuse of chain/revocation results (hits, misses)."
    )

    @property
    def exit_status(self) -> int:
        """As ``sealdoc verify``: 1 any FAILED; 4 any unreadable; 3 any INDETERMINATE; else 0."""
        verdicts = [d.verdict for d in self.documents]
        if Indication.FAILED in verdicts:
            return 1
        if None in verdicts:
            return 4
        if Indication.INDETERMINATE in verdicts:
            return 3
        return 0


def summarise(documents: list[DocumentAudit], skipped: int) -> AuditSummary:
    verdicts = Counter(d.verdict_label for d in documents)
    by_verdict = {
        k: verdicts.get(k, 0) for k in ("PASSED", "FAILED", "INDETERMINATE", "UNREADABLE")
    }
    findings = Counter(f.code for d in documents for f in d.findings)
    renewable = [
        d for d in documents if d.renew_before is not None and d.verdict is not Indication.FAILED
    ]
    renewable.sort(key=lambda d: (d.renew_before or dt.date.max, d.path))
    return AuditSummary(
        documents=len(documents),
        by_verdict=by_verdict,
        findings=dict(sorted(findings.items())),
        renew_first=[
            RenewalItem(path=d.path, renew_before=d.renew_before, reason=d.renew_reason)
            for d in renewable[:20]
            if d.renew_before is not None
        ],
        skipped=skipped,
    )
