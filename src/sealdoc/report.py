"""Verification reports shared by every format sealdoc verifies.

A report lists *every* check performed, never only the first failure, and concludes with an
overall indication as defined by ETSI EN 319 102-1: ``PASSED``, ``FAILED`` or ``INDETERMINATE``,
with a sub-indication explaining a non-passing outcome.

Reports are frozen pydantic models: they serialise to JSON (``report.model_dump_json()``) and
their JSON Schema is checked in under ``schemas/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sealdoc.errors import VerificationFailed

__all__ = [
    "Check",
    "CheckStatus",
    "FieldValue",
    "Indication",
    "SignatureReport",
    "SubIndication",
    "TwoDDocHeaderInfo",
    "TwoDDocInfo",
    "VerificationReport",
    "conclude",
    "summary_check",
]


class Indication(StrEnum):
    """Overall outcome of a validation (ETSI EN 319 102-1, clause 5.1.3)."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    INDETERMINATE = "INDETERMINATE"


class SubIndication(StrEnum):
    """Why a validation did not pass (ETSI EN 319 102-1, tables 5 and 6)."""

    # FAILED
    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CERTIFICATE_CHAIN_GENERAL_FAILURE = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    POLICY_PROCESSING_ERROR = "POLICY_PROCESSING_ERROR"
    # INDETERMINATE
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    REVOKED_CA_NO_POE = "REVOKED_CA_NO_POE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    OUT_OF_BOUNDS_NOT_REVOKED = "OUT_OF_BOUNDS_NOT_REVOKED"
    CRYPTO_CONSTRAINTS_FAILURE_NO_POE = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    NO_POE = "NO_POE"
    TRY_LATER = "TRY_LATER"
    TIMESTAMP_ORDER_FAILURE = "TIMESTAMP_ORDER_FAILURE"
    GENERIC = "GENERIC"


class CheckStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    INDETERMINATE = "indeterminate"
    SKIPPED = "skipped"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Check(_Frozen):
    """One check of a verification.

    ``id`` is stable (``signature``, ``certificate_chain``, ``validity_at_signing``,
    ``revocation``, ``fields``, ...); ``message`` says what was found in words a person can act on.
    A non-passing check may carry the ETSI sub-indication it implies.
    """

    id: str
    status: CheckStatus
    message: str
    sub_indication: SubIndication | None = None

    @classmethod
    def passed(cls, id: str, message: str) -> Check:
        return cls(id=id, status=CheckStatus.PASSED, message=message)

    @classmethod
    def failed(cls, id: str, message: str, sub: SubIndication) -> Check:
        return cls(id=id, status=CheckStatus.FAILED, message=message, sub_indication=sub)

    @classmethod
    def indeterminate(cls, id: str, message: str, sub: SubIndication) -> Check:
        return cls(id=id, status=CheckStatus.INDETERMINATE, message=message, sub_indication=sub)

    @classmethod
    def skipped(cls, id: str, message: str) -> Check:
        return cls(id=id, status=CheckStatus.SKIPPED, message=message)


def conclude(checks: Iterable[Check]) -> tuple[Indication, SubIndication | None]:
    """Derive the overall indication from a list of checks.

    Any failed check makes the result ``FAILED`` (sub-indication of the first failure); else any
    indeterminate check makes it ``INDETERMINATE``; else ``PASSED``. An empty list of checks is
    ``INDETERMINATE``: nothing was verified, so nothing may pass (fail closed).
    """
    checks = list(checks)
    if not checks:
        return Indication.INDETERMINATE, SubIndication.GENERIC
    for check in checks:
        if check.status is CheckStatus.FAILED:
            return Indication.FAILED, check.sub_indication or SubIndication.GENERIC
    for check in checks:
        if check.status is CheckStatus.INDETERMINATE:
            return Indication.INDETERMINATE, check.sub_indication or SubIndication.GENERIC
    if all(check.status is CheckStatus.SKIPPED for check in checks):
        return Indication.INDETERMINATE, SubIndication.GENERIC
    return Indication.PASSED, None


def summary_check(check_id: str, what: str, report: VerificationReport) -> Check:
    """One check standing for a whole nested report (a 2D-Doc found on a page or an image)."""
    message = f"{what}: {report.indication.value}"
    sub = report.sub_indication or SubIndication.GENERIC
    if report.indication is Indication.PASSED:
        return Check.passed(check_id, message)
    if report.indication is Indication.FAILED:
        return Check.failed(check_id, message, sub)
    return Check.indeterminate(check_id, message, sub)


class FieldValue(_Frozen):
    """A decoded 2D-Doc field: its data identifier, human name, raw text and typed value."""

    id: str
    name: str
    raw: str
    value: Any = Field(description="typed value: string, integer, decimal as string, ISO date")
    truncated: bool = False


class TwoDDocHeaderInfo(_Frozen):
    version: int
    ca_id: str
    cert_id: str
    issue_date: dt.date | None
    signature_date: dt.date | None
    doc_type: str
    doc_type_name: str | None = None
    perimeter: str | None = None
    country: str | None = None


class TwoDDocInfo(_Frozen):
    header: TwoDDocHeaderInfo
    fields: list[FieldValue]
    annex: list[FieldValue] = Field(default_factory=list)


class SignatureReport(_Frozen):
    """One signature or document timestamp of a PDF, verified on its own."""

    field_name: str | None = None
    type: str = Field(description="'signature' or 'timestamp'")
    indication: Indication
    sub_indication: SubIndication | None = None
    signer: str | None = None
    signing_time: dt.datetime | None = None
    level: str | None = None
    checks: list[Check]


class VerificationReport(_Frozen):
    """The outcome of verifying one input (a 2D-Doc code, an image, or a PDF)."""

    input: str | None = None
    format: str = Field(description="'2d-doc' or 'pdf'")
    indication: Indication
    sub_indication: SubIndication | None = None
    checks: list[Check]
    verified_at: dt.datetime
    signer: str | None = None
    twoddoc: TwoDDocInfo | None = None
    signatures: list[SignatureReport] = Field(default_factory=list)
    embedded_codes: list[VerificationReport] = Field(
        default_factory=list,
        description="2D-Doc codes found on the pages of a PDF, each verified",
    )

    @classmethod
    def from_checks(cls, checks: Sequence[Check], **kwargs: Any) -> VerificationReport:
        """Build a report whose indication is concluded from ``checks``."""
        indication, sub = conclude(checks)
        return cls(indication=indication, sub_indication=sub, checks=list(checks), **kwargs)

    @property
    def passed(self) -> bool:
        return self.indication is Indication.PASSED

    def check(self, check_id: str) -> Check:
        """The check with this id (``KeyError`` if it was not performed)."""
        for check in self.checks:
            if check.id == check_id:
                return check
        raise KeyError(check_id)

    def raise_for_status(self) -> VerificationReport:
        """Return ``self`` if the report PASSED, else raise :class:`VerificationFailed`."""
        if self.indication is Indication.PASSED:
            return self
        problems = [
            c for c in self.checks if c.status in (CheckStatus.FAILED, CheckStatus.INDETERMINATE)
        ]
        detail = "; ".join(f"{c.id}: {c.message}" for c in problems) or "no check passed"
        raise VerificationFailed(
            f"{self.indication.value} ({self.sub_indication or 'no sub-indication'}): {detail}",
            self.indication.value,
            self.sub_indication.value if self.sub_indication else None,
        )
