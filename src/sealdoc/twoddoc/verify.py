"""Verify a 2D-Doc code: signature, signer's certificate, and the fields of its document type.

Every check is performed and reported, whatever the outcome of the others (spec §5.1): a code
whose signature fails still has its fields checked, so the report says everything that is wrong.
"""

from __future__ import annotations

import datetime as dt

from sealdoc.errors import ParseError
from sealdoc.report import Check, SubIndication, VerificationReport
from sealdoc.trust import RevocationPolicy, TrustMaterial
from sealdoc.twoddoc.checks import check_fields, check_signature
from sealdoc.twoddoc.codec import TwoDDoc
from sealdoc.twoddoc.participants import ParticipantEvaluation, check_participant

__all__ = ["code_report", "malformed_code_report", "verify_code"]


def verify_code(
    code: TwoDDoc | bytes | str,
    *,
    trust: TrustMaterial,
    at: dt.datetime,
    revocation: RevocationPolicy = RevocationPolicy.SOFT_FAIL,
    input_name: str | None = None,
) -> VerificationReport:
    """Verify one 2D-Doc and return the full report.

    ``code`` is a parsed :class:`TwoDDoc` or its raw bytes/text (control characters included);
    malformed raw input raises :class:`~sealdoc.errors.ParseError`. ``at`` is the time of the
    verification (revocation data must be current then); the certificate's validity is judged at
    the signature date written in the code, as the specification requires.
    """
    doc = code if isinstance(code, TwoDDoc) else TwoDDoc.parse(code)
    header = doc.header
    evaluation = check_participant(
        header.ca_id,
        header.cert_id,
        signature_date=header.signature_date,
        at=at,
        trust=trust,
        revocation=revocation,
    )
    return code_report(doc, evaluation, at=at, input_name=input_name)


def code_report(
    doc: TwoDDoc,
    evaluation: ParticipantEvaluation,
    *,
    at: dt.datetime,
    input_name: str | None = None,
) -> VerificationReport:
    """The report of ``doc`` given its signer's evaluation (which callers may cache per signer)."""
    certificate = evaluation.certificate
    if certificate is None:
        signature = evaluation.signature_unavailable()
    else:
        signature = check_signature(doc, certificate.public_key())
    checks: list[Check] = [signature, *evaluation.checks, check_fields(doc)]
    return VerificationReport.from_checks(
        checks,
        input=input_name,
        format="2d-doc",
        verified_at=at,
        signer=evaluation.signer,
        twoddoc=doc.to_info(),
    )


def malformed_code_report(label: str, at: dt.datetime, exc: ParseError) -> VerificationReport:
    """The report of a scanned symbol that is not a well-formed 2D-Doc."""
    return VerificationReport.from_checks(
        [Check.failed("format", f"the code is malformed: {exc}", SubIndication.FORMAT_FAILURE)],
        input=label,
        format="2d-doc",
        verified_at=at,
    )
