# mypy: disable-error-code="no-untyped-call"
# (pyHanko leaves many functions unannotated; everything else here is checked strictly)
"""Chain, revocation and long-term-validation checks of one certificate (signer or TSA).

pyHanko's status keeps a coarse indication only; here the chain is validated again on its own
(with and without revocation) so ``certificate_chain`` and ``revocation`` each say exactly what
is wrong with them. Revocation data embedded in the document comes first; the injected
fetchers are used only when it does not settle the question (:func:`two_phase`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from asn1crypto import x509 as asn1_x509
from pyhanko.sign.validation.status import SignatureStatus, TimestampSignatureStatus
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    InsufficientRevinfoError,
    InvalidCertificateError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
    ValidationError,
)

from sealdoc.pades._checks import describe_time, trust_problem_check
from sealdoc.pades._context import DocumentContext
from sealdoc.pades._document import EmbeddedValidationData
from sealdoc.pades.anchors import PdfTrust
from sealdoc.pades.cache import cert_set_digest, context_memo
from sealdoc.pades.policy import RevocationPolicy
from sealdoc.report import Check, SubIndication

__all__ = ["LtvTarget", "ltv_check", "missing_revinfo", "trust_checks", "two_phase"]

S = TypeVar("S", bound=SignatureStatus)

#: (who, certificate, intermediates, moment, trust, is a time-stamping certificate)
LtvTarget = tuple[
    str, asn1_x509.Certificate, Sequence[asn1_x509.Certificate], dt.datetime, PdfTrust, bool
]


async def two_phase(
    ctx: DocumentContext,
    run: Callable[[bool], Awaitable[S]],
    *,
    revocation_missing: Callable[[S], bool],
) -> tuple[S, bool]:
    """Validate with embedded data only; retry with the fetchers if revocation was missing.

    Returns the status and whether fetched data was used.
    """
    status = await run(False)
    online = ctx.backend is not None and ctx.revocation is not RevocationPolicy.NONE
    if online and revocation_missing(status):
        return await run(True), True
    return status, False


def missing_revinfo(status: SignatureStatus) -> bool:
    """Whether validating with fetched data could change the outcome."""
    indic = getattr(status.trust_problem_indic, "name", None)
    if indic is not None and indic not in (
        "REVOKED_NO_POE",
        "REVOKED_CA_NO_POE",
        "NO_CERTIFICATE_CHAIN_FOUND",
        "CHAIN_CONSTRAINTS_FAILURE",
    ):
        return True
    tst = getattr(status, "timestamp_validity", None)
    if isinstance(tst, TimestampSignatureStatus):
        return missing_revinfo(tst)
    return False


async def _validate_cert(
    ctx: DocumentContext,
    trust: PdfTrust,
    cert: asn1_x509.Certificate,
    intermediates: Sequence[asn1_x509.Certificate],
    moment: dt.datetime,
    embedded: EmbeddedValidationData,
    *,
    fetch: bool,
    revocation: RevocationPolicy,
    timestamping: bool,
) -> Exception | None:
    """Validate one certificate's chain ourselves; ``None`` if sound, else the error.

    pyHanko's status keeps only a coarse indication; running the validator again tells exactly
    what is wrong (and whether it is the chain or the revocation data).
    """
    context = ctx.context(trust, moment, embedded, fetch=fetch, revocation=revocation)
    return await _run_validator(context, cert, intermediates, timestamping=timestamping)


async def _run_validator(
    context: ValidationContext,
    cert: asn1_x509.Certificate,
    intermediates: Sequence[asn1_x509.Certificate],
    *,
    timestamping: bool,
) -> Exception | None:
    """Validate ``cert`` in ``context`` (closed afterwards); ``None`` if sound, else the error.

    Memoised when the context is tagged with a :class:`~sealdoc.pades.cache.ValidationCache`.
    """

    async def compute() -> Exception | None:
        validator = CertificateValidator(
            cert, intermediate_certs=list(intermediates), validation_context=context
        )
        try:
            if timestamping:
                await validator.async_validate_usage(set(), extended_key_usage={"time_stamping"})
            else:
                await validator.async_validate_path()
        except (
            PathBuildingError,
            PathValidationError,
            InvalidCertificateError,
            ValidationError,
        ) as exc:
            return exc
        return None

    memo = context_memo(context)
    try:
        if memo is None:
            return await compute()
        cache, context_key = memo
        key = (
            "certificate",
            context_key,
            bytes(cert.sha256),
            cert_set_digest(intermediates),
            timestamping,
        )
        return await cache.memo(key, compute)
    finally:
        await context.aclose()


def _error_text(error: BaseException) -> str:
    text = getattr(error, "failure_msg", None) or str(error) or type(error).__name__
    return str(text).replace("\n", " ")


def _path_summary(status: SignatureStatus) -> str:
    path = status.validation_path
    if path is None:
        return ""
    try:
        anchor = path.trust_anchor.authority.name.human_friendly
    except (AttributeError, ValueError):
        return ""
    return f" (anchored at {anchor}, {path.pkix_len} certificate(s))"


async def trust_checks(
    ctx: DocumentContext,
    trust: PdfTrust,
    status: SignatureStatus,
    fetched: bool,
    cert: asn1_x509.Certificate,
    intermediates: Sequence[asn1_x509.Certificate],
    moment: dt.datetime,
    embedded: EmbeddedValidationData,
    *,
    who: str,
    timestamping: bool = False,
) -> list[Check]:
    """``certificate_chain`` and ``revocation`` checks for one certificate."""
    when = describe_time(moment)
    source = "embedded in the document or fetched online" if fetched else "embedded in the document"
    indic = status.trust_problem_indic
    if status.trusted or (indic is None and status.validation_path is not None):
        chain = Check.passed(
            "certificate_chain",
            f"the {who} certificate chains to a trust anchor, valid at {when}"
            + _path_summary(status),
        )
        if ctx.revocation is RevocationPolicy.NONE:
            revocation = Check.skipped("revocation", "revocation checking is disabled")
        elif ctx.revocation is RevocationPolicy.SOFT_FAIL:
            revocation = Check.passed(
                "revocation",
                f"no revocation found at {when} (soft-fail policy: missing data tolerated)",
            )
        else:
            revocation = Check.passed(
                "revocation", f"not revoked at {when} (revocation data {source})"
            )
        return [chain, revocation]
    if indic is None:
        # the signature itself is broken: pyHanko did not evaluate the chain
        return [
            Check.skipped("certificate_chain", "not evaluated: the signature is not valid"),
            Check.skipped("revocation", "not evaluated: the signature is not valid"),
        ]
    chain_error = await _validate_cert(
        ctx,
        trust,
        cert,
        intermediates,
        moment,
        embedded,
        fetch=False,
        revocation=RevocationPolicy.NONE,
        timestamping=timestamping,
    )
    if chain_error is not None:
        chain = trust_problem_check("certificate_chain", indic, f"the {who} certificate at {when}")
        chain = chain.model_copy(update={"message": f"{chain.message}: {_error_text(chain_error)}"})
        return [chain, Check.skipped("revocation", "not evaluated: no valid certificate chain")]
    chain = Check.passed(
        "certificate_chain", f"the {who} certificate chains to a trust anchor, valid at {when}"
    )
    name = getattr(indic, "name", "")
    if name == "CHAIN_CONSTRAINTS_FAILURE":
        usage = "time-stamping" if timestamping else "signing (digitalSignature/nonRepudiation)"
        return [
            Check.indeterminate(
                "certificate_chain",
                f"the {who} certificate is not allowed for {usage}",
                SubIndication.CHAIN_CONSTRAINTS_FAILURE,
            ),
            Check.skipped("revocation", "not evaluated: the certificate is not usable"),
        ]
    full_error = await _validate_cert(
        ctx,
        trust,
        cert,
        intermediates,
        moment,
        embedded,
        fetch=fetched,
        revocation=ctx.revocation,
        timestamping=timestamping,
    )
    detail = _error_text(full_error) if full_error is not None else name.replace("_", " ").lower()
    if full_error is None and not name.startswith("REVOKED") and name != "TRY_LATER":
        # chain and revocation are sound on their own: pyHanko's objection is about something
        # else (algorithms, key usage); the checks concerned report it (see _fail_closed)
        return [
            chain,
            Check.passed("revocation", f"not revoked at {when} (revocation data {source})"),
        ]
    if isinstance(full_error, RevokedError) or name.startswith("REVOKED"):
        sub = (
            SubIndication.REVOKED_CA_NO_POE
            if name == "REVOKED_CA_NO_POE"
            else (SubIndication.REVOKED_NO_POE)
        )
        revocation = Check.indeterminate(
            "revocation", f"the {who} certificate is revoked at {when}: {detail}", sub
        )
    elif isinstance(full_error, InsufficientRevinfoError) or name == "TRY_LATER":
        revocation = Check.indeterminate(
            "revocation",
            f"the revocation status of the {who} chain at {when} is unknown: {detail}",
            SubIndication.TRY_LATER,
        )
    else:
        revocation = trust_problem_check(
            "revocation", indic, f"the {who} certificate at {when}: {detail}"
        )
    return [chain, revocation]


async def ltv_check(
    ctx: DocumentContext,
    embedded: EmbeddedValidationData,
    targets: Sequence[
        tuple[
            str, asn1_x509.Certificate, Sequence[asn1_x509.Certificate], dt.datetime, PdfTrust, bool
        ]
    ],
) -> Check:
    """Whether the document alone holds what validating ``targets`` needs (no network)."""
    if not embedded.present:
        return Check.skipped(
            "ltv", "no validation data embedded in the document (not a B-LT signature)"
        )
    for who, cert, intermediates, moment, trust, timestamping in targets:
        context = ctx.context(
            trust, moment, embedded, fetch=False, revocation=RevocationPolicy.REQUIRE
        )
        error = await _run_validator(context, cert, intermediates, timestamping=timestamping)
        if error is not None:
            return Check.skipped(
                "ltv",
                f"validation data is embedded but does not suffice for {who}'s chain "
                f"offline: {error}",
            )
    unreadable = (
        f"; {embedded.unreadable} unreadable item(s) ignored" if embedded.unreadable else ""
    )
    return Check.passed(
        "ltv",
        "the document carries the certificates and revocation data to validate "
        + " and ".join(t[0] for t in targets)
        + " offline"
        + unreadable,
    )
