# mypy: disable-error-code="no-untyped-call"
# (pyHanko leaves many functions unannotated; everything else here is checked strictly)
"""Validate one PDF signature or document time-stamp with pyHanko, check by check.

The flow for one signature:

1. integrity, coverage and modifications (pyHanko's byte-range digest, coverage level and
   difference analysis; a crash of the difference analysis is reported, not raised);
2. the CMS signature, the signer's chain and revocation status at the *validation moment*:
   the time of the signature time-stamp when there is a trusted one (proof of existence),
   otherwise ``at``. Revocation data embedded in the document (DSS, CMS attribute) is used
   first; only when it does not settle the question are the injected fetchers used;
3. when revocation fails, the chain is re-validated without revocation checking, so that
   ``certificate_chain`` and ``revocation`` each say what is wrong with them;
4. ``ltv``: can the chain be validated from the document alone (offline, revocation
   required)?;
5. ``algorithms`` against the :class:`AlgorithmPolicy`.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, DiffResult, SuspiciousModification
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import (
    DocumentTimestampStatus,
    PdfSignatureStatus,
    SignatureStatus,
    TimestampSignatureStatus,
)
from pyhanko.sign.validation.utils import CMSAlgorithmUsagePolicy
from pyhanko_certvalidator.policy_decl import AcceptAllAlgorithms

from sealdoc.pades._checks import (
    algorithms_check,
    byte_range_problem,
    coverage_check,
    describe_time,
    modifications_check,
    trust_problem_check,
)
from sealdoc.pades._context import DocumentContext, SignatureOutcome
from sealdoc.pades._document import (
    SignatureField,
    read_cms_revinfo,
)
from sealdoc.pades._trust import LtvTarget, ltv_check, missing_revinfo, trust_checks, two_phase
from sealdoc.pades.limits import describe_exception
from sealdoc.pades.policy import PadesLevel
from sealdoc.report import Check, CheckStatus, SubIndication

__all__ = ["validate_signature", "validate_timestamp"]

S = TypeVar("S", bound=SignatureStatus)

_SEAL_KEY_USAGE = KeyUsageConstraints(
    key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
)
# The CMS signature value is checked for what it is; weak algorithms are the business of the
# ``algorithms`` check, so that a weak-but-correct signature is not reported as a forged one.
_CMS_ALGORITHMS = CMSAlgorithmUsagePolicy.lift_policy(AcceptAllAlgorithms())


def _subject(cert: asn1_x509.Certificate | None) -> str | None:
    if cert is None:
        return None
    try:
        return str(cert.subject.human_friendly)
    except (ValueError, KeyError):
        return None


def _unverified_tst_time(signer_info: cms.SignerInfo) -> dt.datetime | None:
    """The time in the signature time-stamp token, before it is validated (or ``None``)."""
    try:
        unsigned = signer_info["unsigned_attrs"]
        if not unsigned:
            return None
        for attr in unsigned:
            if attr["type"].native != "signature_time_stamp_token":
                continue
            token = attr["values"][0]
            content = token["content"]["encap_content_info"]["content"]
            info = content.parsed
            if isinstance(info, tsp.TSTInfo):
                moment = info["gen_time"].native
                if isinstance(moment, dt.datetime) and moment.tzinfo is not None:
                    return moment
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    return None


def _integrity(
    emb: EmbeddedPdfSignature,
) -> tuple[DiffResult | SuspiciousModification | None, str | None]:
    """Compute digest, coverage and difference analysis; never raise for the diff part."""
    try:
        emb.compute_integrity_info(diff_policy=DEFAULT_DIFF_POLICY, skip_diff=False)
        return emb.diff_result, None
    except (
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        NotImplementedError,
    ) as exc:
        if isinstance(exc, SuspiciousModification):
            return exc, None
        diff_error = describe_exception(exc)
    emb.compute_integrity_info(diff_policy=DEFAULT_DIFF_POLICY, skip_diff=True)
    return None, diff_error


def _basic_checks(status: SignatureStatus, what: str) -> list[Check]:
    if status.intact:
        integrity = Check.passed("integrity", f"the signed bytes match the {what}'s message digest")
    else:
        integrity = Check.failed(
            "integrity",
            f"the signed bytes do not match the {what}'s message digest: the document was "
            "altered after signing",
            SubIndication.HASH_FAILURE,
        )
    if status.valid:
        signature = Check.passed(
            "signature",
            f"the {what} value verifies with the signer's public key "
            f"({status.pkcs7_signature_mechanism}, {status.md_algorithm.upper()})",
        )
    else:
        signature = Check.failed(
            "signature",
            f"the {what} value does not verify with the signer's public key",
            SubIndication.SIG_CRYPTO_FAILURE,
        )
    return [integrity, signature]


def _timestamp_check(tst: TimestampSignatureStatus | None, present: bool) -> Check:
    if tst is None:
        if present:
            return Check.failed(
                "timestamp",
                "the signature time-stamp token cannot be read",
                SubIndication.FORMAT_FAILURE,
            )
        return Check.skipped("timestamp", "no signature time-stamp (level B-B)")
    when = describe_time(tst.timestamp)
    tsa = _subject(tst.signing_cert) or "unknown TSA"
    if not tst.intact:
        return Check.failed(
            "timestamp",
            "the time-stamp does not cover this signature (message imprint mismatch)",
            SubIndication.HASH_FAILURE,
        )
    if not tst.valid:
        return Check.failed(
            "timestamp",
            "the time-stamp token's signature is not valid",
            SubIndication.SIG_CRYPTO_FAILURE,
        )
    if not tst.trusted:
        indic = tst.trust_problem_indic
        if indic is not None:
            return trust_problem_check(
                "timestamp", indic, f"time-stamp of {when} by {tsa} is not trusted"
            )
        return Check.indeterminate(
            "timestamp",
            f"time-stamp of {when} by {tsa} is not trusted",
            SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
        )
    return Check.passed("timestamp", f"time-stamped at {when} by {tsa}")


def _tst_digests(signer_info: cms.SignerInfo) -> list[tuple[str, str]]:
    digests = []
    try:
        for attr in signer_info["unsigned_attrs"] or ():
            if attr["type"].native == "signature_time_stamp_token":
                info = attr["values"][0]["content"]["encap_content_info"]["content"].parsed
                name = info["message_imprint"]["hash_algorithm"]["algorithm"].native
                digests.append(("time-stamp message imprint", str(name)))
    except (ValueError, KeyError, TypeError, IndexError):
        pass
    return digests


async def validate_signature(
    ctx: DocumentContext, sig: SignatureField, emb: EmbeddedPdfSignature
) -> SignatureOutcome:
    revision = emb.signed_revision
    outcome = SignatureOutcome(name=sig.name, kind="signature", checks=[], revision=revision)
    range_problem = byte_range_problem(emb.byte_range, ctx.data)
    diff, diff_error = _integrity(emb)
    later_revisions = ctx.reader.xrefs.total_revisions - 1 - revision
    coverage = coverage_check(emb.coverage, range_problem, later_revisions=later_revisions)
    modifications = modifications_check(
        diff, diff_error=diff_error, later_signatures=ctx.later_signatures(revision)
    )

    embedded = ctx.dss.extend(read_cms_revinfo(emb.signer_info))
    archival = ctx.archival_time(revision)
    ts_moment = archival or ctx.at
    tst_claimed = _unverified_tst_time(emb.signer_info)

    async def run_at(moment: dt.datetime) -> tuple[PdfSignatureStatus, bool]:
        async def run(fetch: bool) -> PdfSignatureStatus:
            signer_vc = ctx.context(ctx.trust, moment, embedded, fetch=fetch)
            ts_vc = ctx.context(ctx.timestamp_trust, ts_moment, embedded, fetch=fetch)
            try:
                return await async_validate_pdf_signature(
                    emb,
                    signer_validation_context=signer_vc,
                    ts_validation_context=ts_vc,
                    skip_diff=True,
                    key_usage_settings=_SEAL_KEY_USAGE,
                    algorithm_policy=_CMS_ALGORITHMS,
                )
            finally:
                await signer_vc.aclose()
                await ts_vc.aclose()

        return await two_phase(ctx, run, revocation_missing=missing_revinfo)

    signer_moment = ctx.at
    if tst_claimed is not None and tst_claimed < ctx.at:
        signer_moment = tst_claimed
    elif archival is not None:
        signer_moment = archival
    status, fetched = await run_at(signer_moment)
    tst = status.timestamp_validity
    if signer_moment is tst_claimed and not (tst is not None and tst.trusted):
        # the time-stamp proves nothing: validate at the archival time, or now
        signer_moment = archival or ctx.at
        status, fetched = await run_at(signer_moment)
        tst = status.timestamp_validity

    signer_cert = status.signing_cert
    outcome.signer = _subject(signer_cert)
    intermediates = list(emb.other_embedded_certs) + embedded.certs + list(ctx.trust.pool)
    chain_checks = await trust_checks(
        ctx,
        ctx.trust,
        status,
        fetched,
        signer_cert,
        intermediates,
        signer_moment,
        embedded,
        who="signer",
    )
    timestamp = _timestamp_check(tst, tst_claimed is not None)
    ltv_targets: list[LtvTarget] = [
        ("the signer", signer_cert, intermediates, signer_moment, ctx.trust, False)
    ]
    if tst is not None and tst.signing_cert is not None:
        ltv_targets.append(
            (
                "the time-stamp",
                tst.signing_cert,
                intermediates,
                ts_moment,
                ctx.timestamp_trust,
                True,
            )
        )
    ltv = await ltv_check(ctx, embedded, ltv_targets)
    chain_certs = _chain_certs(status)
    algorithms = algorithms_check(
        emb.signer_info,
        signer_cert,
        chain_certs,
        ctx.algorithms,
        extra_digests=_tst_digests(emb.signer_info),
    )
    outcome.checks = _fail_closed(
        [
            *_basic_checks(status, "signature"),
            coverage,
            modifications,
            *chain_checks,
            timestamp,
            ltv,
            algorithms,
        ],
        status,
    )
    if tst is not None and tst.trusted:
        outcome.signing_time = tst.timestamp
        outcome.trusted_time = tst.timestamp
    else:
        outcome.signing_time = status.signer_reported_dt
    outcome.level = _level(sig, tst, ltv, ctx, revision)
    return outcome


def _fail_closed(checks: list[Check], status: SignatureStatus) -> list[Check]:
    """Never let a report pass where pyHanko saw a problem our checks did not pin down."""
    indic = status.trust_problem_indic
    if indic is None or any(
        c.status in (CheckStatus.FAILED, CheckStatus.INDETERMINATE) for c in checks
    ):
        return checks
    name = getattr(indic, "name", str(indic))
    target = "algorithms" if name.startswith("CRYPTO_CONSTRAINTS") else "certificate_chain"
    return [
        trust_problem_check(target, indic, "the validation reported a problem")
        if check.id == target
        else check
        for check in checks
    ]


def _chain_certs(status: SignatureStatus) -> list[asn1_x509.Certificate]:
    path = status.validation_path
    if path is None:
        return []
    try:
        return [cert for cert in path.iter_certs(include_root=False)][:-1]
    except (AttributeError, TypeError, ValueError):
        return []


def _level(
    sig: SignatureField,
    tst: TimestampSignatureStatus | None,
    ltv: Check,
    ctx: DocumentContext,
    revision: int,
) -> str | None:
    if sig.subfilter != "/ETSI.CAdES.detached":
        return None
    if tst is None or not tst.trusted:
        return PadesLevel.B_B.value
    if ltv.status is not CheckStatus.PASSED:
        return PadesLevel.B_T.value
    if ctx.archival_time(revision) is not None:
        return PadesLevel.B_LTA.value
    return PadesLevel.B_LT.value


async def validate_timestamp(
    ctx: DocumentContext, sig: SignatureField, emb: EmbeddedPdfSignature, moment: dt.datetime
) -> SignatureOutcome:
    """A document time-stamp, validated at ``moment`` (now, or the next time-stamp's time)."""
    revision = emb.signed_revision
    outcome = SignatureOutcome(name=sig.name, kind="timestamp", checks=[], revision=revision)
    range_problem = byte_range_problem(emb.byte_range, ctx.data)
    diff, diff_error = _integrity(emb)
    later_revisions = ctx.reader.xrefs.total_revisions - 1 - revision
    coverage = coverage_check(emb.coverage, range_problem, later_revisions=later_revisions)
    modifications = modifications_check(
        diff, diff_error=diff_error, later_signatures=ctx.later_signatures(revision)
    )
    embedded = ctx.dss

    async def run(fetch: bool) -> DocumentTimestampStatus:
        context = ctx.context(ctx.timestamp_trust, moment, embedded, fetch=fetch)
        try:
            return await async_validate_pdf_timestamp(
                emb, validation_context=context, skip_diff=True
            )
        finally:
            await context.aclose()

    status, fetched = await two_phase(ctx, run, revocation_missing=missing_revinfo)
    outcome.signer = _subject(status.signing_cert)
    outcome.signing_time = status.timestamp
    intermediates = list(emb.other_embedded_certs) + embedded.certs + list(ctx.timestamp_trust.pool)
    chain_checks = await trust_checks(
        ctx,
        ctx.timestamp_trust,
        status,
        fetched,
        status.signing_cert,
        intermediates,
        moment,
        embedded,
        who="time-stamping authority",
        timestamping=True,
    )
    try:
        imprint = emb.signed_data["encap_content_info"]["content"].parsed
        imprint_digest = str(imprint["message_imprint"]["hash_algorithm"]["algorithm"].native)
        extra = [("message imprint", imprint_digest)]
    except (ValueError, KeyError, TypeError, AttributeError):
        extra = []
    algorithms = algorithms_check(
        emb.signer_info,
        status.signing_cert,
        _chain_certs(status),
        ctx.algorithms,
        extra_digests=extra,
    )
    outcome.checks = _fail_closed(
        [*_basic_checks(status, "time-stamp"), coverage, modifications, *chain_checks, algorithms],
        status,
    )
    if status.trusted and status.intact and status.valid:
        outcome.trusted_time = status.timestamp
    return outcome
