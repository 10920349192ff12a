# mypy: disable-error-code="no-untyped-call"
# (pyHanko leaves many functions unannotated; everything else here is checked strictly)
"""Verify the signatures and document time-stamps of a PDF.

    from sealdoc.pades import verify_pdf

    report = verify_pdf("sealed.pdf", trust=[root_cert], at=moment)
    report.indication                      # PASSED / FAILED / INDETERMINATE: the worst signature
    for sig in report.signatures:          # one per signature field and document time-stamp
        sig.field_name, sig.type, sig.indication, sig.level, sig.checks

Each :class:`~sealdoc.report.SignatureReport` carries the checks ``integrity``, ``signature``,
``coverage``, ``modifications``, ``certificate_chain``, ``revocation``, ``timestamp``, ``ltv``
and ``algorithms`` (time-stamps: no ``timestamp``/``ltv``). The report's own ``checks`` hold
one summary per signature (id ``signature`` or ``timestamp``), from which the overall indication
is concluded.

**No signature.** A PDF without any signature is INDETERMINATE (GENERIC), never PASSED: nothing
was verified, but nothing was found forged either (an unsigned document is not a forgery, so
FAILED would be the wrong claim). A PDF with document time-stamps only is INDETERMINATE too:
a time-stamp proves when, not who.

**Hostile input.** Nothing but :class:`~sealdoc.errors.SealdocError` leaves this module because
of the input: over-limit, unparseable and encrypted files raise
:class:`~sealdoc.errors.PdfError` (also when the time limit runs out); a signature that cannot
be processed is reported FAILED (FORMAT_FAILURE) with the reason, never skipped.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from asn1crypto import cms
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError as PyHankoPdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import EmbeddedPdfSignature
from pyhanko_certvalidator.fetchers import FetcherBackend

from sealdoc.errors import PdfError, SealdocError
from sealdoc.pades._context import DocumentContext, SignatureOutcome
from sealdoc.pades._document import SignatureField, find_signature_fields, read_dss
from sealdoc.pades._fetch import adapt_fetchers
from sealdoc.pades._validate import validate_signature, validate_timestamp
from sealdoc.pades.anchors import PdfTrust, TrustInput, resolve_trust
from sealdoc.pades.appearance import payload_in_revision
from sealdoc.pades.cache import ValidationCache
from sealdoc.pades.limits import (
    PdfSource,
    VerifyLimits,
    describe_exception,
    open_reader,
    read_pdf_source,
    run_with_deadline,
)
from sealdoc.pades.policy import AlgorithmPolicy, RevocationPolicy
from sealdoc.report import (
    Check,
    CheckStatus,
    Indication,
    SignatureReport,
    SubIndication,
    VerificationReport,
    conclude,
)
from sealdoc.trust import Fetcher

__all__ = ["embedded_twoddoc", "verify_pdf"]

_REPORT_CHECKS = (
    "integrity",
    "signature",
    "coverage",
    "modifications",
    "certificate_chain",
    "revocation",
    "timestamp",
    "ltv",
    "algorithms",
)


def _parse_revocation(value: RevocationPolicy | str) -> RevocationPolicy:
    text = str(value.value if hasattr(value, "value") else value).lower()
    if text == "off":
        return RevocationPolicy.NONE
    try:
        return RevocationPolicy(text)
    except ValueError:
        allowed = ", ".join(policy.value for policy in RevocationPolicy)
        raise SealdocError(f"unknown revocation policy {value!r}; use one of {allowed}") from None


def verify_pdf(
    source: PdfSource,
    *,
    trust: TrustInput | PdfTrust,
    timestamp_trust: TrustInput | PdfTrust | None = None,
    revocation: RevocationPolicy | str = RevocationPolicy.REQUIRE,
    fetchers: FetcherBackend | Fetcher | None = None,
    at: dt.datetime | None = None,
    limits: VerifyLimits | None = None,
    algorithms: AlgorithmPolicy | None = None,
    cache: ValidationCache | None = None,
) -> VerificationReport:
    """Verify every signature and document time-stamp of a PDF (path or bytes).

    * ``trust``: anchors for the signers (see :mod:`sealdoc.pades.anchors`: a
      :class:`sealdoc.trust.TrustMaterial`, certificates, PEM/DER files or a directory).
      ``timestamp_trust``: anchors for TSAs (default: ``trust``).
    * ``revocation``: a :class:`RevocationPolicy` (``require`` by default; ``hard-fail``,
      ``soft-fail``, ``none``/``off``). Revocation data embedded in the document is used first.
    * ``fetchers``: how to go online when the embedded data does not suffice: a pyHanko
      ``FetcherBackend`` (OCSP, CRLs, certificates) or a :class:`sealdoc.trust.Fetcher` (CRLs
      and certificates over GET). ``None`` (default; also when ``trust`` is a TrustMaterial
      without fetcher) keeps verification offline.
    * ``at``: the validation time (default now; tests pin it).
    * ``limits``: :class:`VerifyLimits` (size, decoded size, time, signatures, revisions).
    * ``algorithms``: :class:`AlgorithmPolicy` (weak digests, minimum key sizes).
    * ``cache``: a :class:`~sealdoc.pades.cache.ValidationCache` shared across calls, so that
      documents sealed by the same certificates reuse the chain, revocation and LTV results
      (offline validations only; the report is the same with or without it).
    """
    limits = limits or VerifyLimits()
    algorithms = algorithms or AlgorithmPolicy()
    moment = at or dt.datetime.now(dt.UTC)
    if moment.utcoffset() is None:
        raise SealdocError("at= must be a timezone-aware datetime")
    policy = _parse_revocation(revocation)
    name, data = read_pdf_source(source, limits)
    signer_trust = resolve_trust(trust, moment)
    tsa_trust = signer_trust if timestamp_trust is None else resolve_trust(timestamp_trust, moment)
    if fetchers is None:
        fetchers = signer_trust.fetcher

    def work(deadline: float | None) -> list[SignatureOutcome]:
        return asyncio.run(
            _verify_async(
                data,
                deadline,
                limits,
                moment,
                signer_trust,
                tsa_trust,
                policy,
                algorithms,
                fetchers,
                cache,
            )
        )

    outcomes = run_with_deadline(work, limits.timeout_s)
    return _report(name, outcomes, moment)


async def _verify_async(
    data: bytes,
    deadline: float | None,
    limits: VerifyLimits,
    at: dt.datetime,
    trust: PdfTrust,
    timestamp_trust: PdfTrust,
    revocation: RevocationPolicy,
    algorithms: AlgorithmPolicy,
    fetchers: FetcherBackend | Fetcher | None,
    cache: ValidationCache | None = None,
) -> list[SignatureOutcome]:
    reader = open_reader(data, limits, deadline=deadline)
    try:
        fields = find_signature_fields(reader, max_fields=limits.max_signatures)
        dss = read_dss(reader)
    except ValueError as exc:
        raise PdfError(str(exc)) from exc
    except (PyHankoPdfError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise PdfError(f"the PDF's form or DSS cannot be read: {describe_exception(exc)}") from exc
    backend, owned = adapt_fetchers(fetchers)
    ctx = DocumentContext(
        reader=reader,
        data=data,
        at=at,
        trust=trust,
        timestamp_trust=timestamp_trust,
        revocation=revocation,
        algorithms=algorithms,
        backend=backend,
        dss=dss,
        fields=fields,
        cache=cache,
    )
    try:
        return await _verify_fields(ctx)
    finally:
        if owned and backend is not None:
            await backend.close()


def _embedded(reader: PdfFileReader, sig: SignatureField) -> EmbeddedPdfSignature:
    return EmbeddedPdfSignature(reader, sig.field, sig.name)


async def _verify_fields(ctx: DocumentContext) -> list[SignatureOutcome]:
    outcomes: list[SignatureOutcome] = []
    parsed: list[tuple[SignatureField, EmbeddedPdfSignature]] = []
    for sig in ctx.fields:
        if sig.problem is not None:
            outcomes.append(_broken(sig, sig.problem))
            continue
        try:
            _precheck(sig)
            emb = _embedded(ctx.reader, sig)
            _check_der_envelope(emb.pkcs7_content)
            _check_cms_shape(emb.signed_data, sig.kind)
        except _CmsShapeError as exc:
            outcomes.append(_broken(sig, str(exc)))
            continue
        except Exception as exc:
            outcomes.append(
                _broken(sig, f"the signature cannot be read: {describe_exception(exc)}")
            )
            continue
        ctx.revisions[sig.name] = emb.signed_revision
        parsed.append((sig, emb))

    # document time-stamps, newest first: each is validated at the time of the next trusted one
    stamps = sorted(
        ((s, e) for s, e in parsed if s.kind == "timestamp"),
        key=lambda pair: pair[1].signed_revision,
        reverse=True,
    )
    moment = ctx.at
    for sig, emb in stamps:
        outcome = await _guarded(sig, validate_timestamp(ctx, sig, emb, moment))
        outcomes.append(outcome)
        if outcome.trusted_time is not None and _all_pass(outcome):
            ctx.poes.append((emb.signed_revision, outcome.trusted_time))
            moment = min(moment, outcome.trusted_time)
    for sig, emb in parsed:
        if sig.kind == "signature":
            outcomes.append(await _guarded(sig, validate_signature(ctx, sig, emb)))
    outcomes.sort(key=lambda o: (o.revision < 0, o.revision, o.kind != "signature"))
    return outcomes


def _all_pass(outcome: SignatureOutcome) -> bool:
    return conclude(outcome.checks)[0] is Indication.PASSED


async def _guarded(sig: SignatureField, job: object) -> SignatureOutcome:
    """Await a validation; any failure of the libraries becomes a FAILED outcome."""
    assert asyncio.iscoroutine(job)
    try:
        result = await job
    except SealdocError as exc:
        return _broken(sig, exc.message)
    except Exception as exc:
        return _broken(sig, f"the {sig.kind} could not be processed: {describe_exception(exc)}")
    assert isinstance(result, SignatureOutcome)
    return result


class _CmsShapeError(ValueError):
    pass


def _precheck(sig: SignatureField) -> None:
    """Structural problems of the signature dictionary, said plainly before pyHanko reads it."""
    value = sig.value
    assert isinstance(value, generic.DictionaryObject)
    byte_range = value.get("/ByteRange")
    if not isinstance(byte_range, generic.ArrayObject):
        raise _CmsShapeError("the signature dictionary has no /ByteRange array")
    items = list(byte_range)
    if len(items) != 4 or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in items
    ):
        raise _CmsShapeError("/ByteRange must hold four non-negative integers")
    contents = value.get("/Contents")
    if not isinstance(contents, generic.ByteStringObject | generic.TextStringObject):
        raise _CmsShapeError("the signature dictionary has no /Contents string")
    raw = contents.original_bytes
    try:
        info = cms.ContentInfo.load(raw, strict=False)
        content_type = info["content_type"].native
    except (ValueError, TypeError, KeyError) as exc:
        raise _CmsShapeError(
            f"the CMS signature cannot be parsed: {describe_exception(exc)}"
        ) from exc
    if content_type != "signed_data":
        raise _CmsShapeError(f"the CMS is of type {content_type!r}, not signed data")


def _check_der_envelope(raw: bytes) -> None:
    """The CMS must be one definite-length DER object, followed only by zero padding."""
    if len(raw) < 2 or raw[0] != 0x30:
        raise _CmsShapeError("the signature value is not a DER-encoded CMS ContentInfo")
    first = raw[1]
    if first == 0x80:
        raise _CmsShapeError("the CMS uses BER indefinite lengths; PDF signatures must be DER")
    if first < 0x80:
        header, length = 2, first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or len(raw) < 2 + count:
            raise _CmsShapeError("the CMS has an invalid DER length")
        header, length = 2 + count, int.from_bytes(raw[2 : 2 + count], "big")
    end = header + length
    if end > len(raw):
        raise _CmsShapeError("the CMS is longer than the signature value holding it")
    if raw[end:].strip(b"\0"):
        raise _CmsShapeError("data follows the CMS object in the signature value")


def _check_cms_shape(signed_data: cms.SignedData, kind: str) -> None:
    """Refuse CMS structures pyHanko would misread: several signers, unexpected content."""
    try:
        signer_infos = signed_data["signer_infos"]
        count = len(signer_infos)
        content_type = signed_data["encap_content_info"]["content_type"].native
        digest = signer_infos[0]["digest_algorithm"]["algorithm"].native if count else None
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise _CmsShapeError(f"the CMS signature is malformed: {describe_exception(exc)}") from exc
    if count != 1:
        raise _CmsShapeError(f"the CMS signature has {count} SignerInfos; exactly one is required")
    expected = "tst_info" if kind == "timestamp" else "data"
    if content_type != expected:
        raise _CmsShapeError(f"the CMS signature encapsulates {content_type!r}, not {expected!r}")
    if digest not in (
        "sha1",
        "sha224",
        "sha256",
        "sha384",
        "sha512",
        "sha3_256",
        "sha3_384",
        "sha3_512",
        "md5",
    ):
        raise _CmsShapeError(f"unknown or unsupported digest algorithm {digest!r}")
    if kind == "signature":
        _check_timestamp_tokens(signer_infos[0])


def _check_timestamp_tokens(signer_info: cms.SignerInfo) -> None:
    try:
        unsigned = signer_info["unsigned_attrs"]
        for attr in unsigned or ():
            if attr["type"].native != "signature_time_stamp_token":
                continue
            for token in attr["values"]:
                if token["content_type"].native != "signed_data":
                    raise _CmsShapeError("the signature time-stamp token is not signed data")
                encap = token["content"]["encap_content_info"]
                if encap["content_type"].native != "tst_info":
                    raise _CmsShapeError("the signature time-stamp token holds no TSTInfo")
                _ = encap["content"].parsed["gen_time"].native
    except _CmsShapeError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise _CmsShapeError(
            f"the signature time-stamp token is malformed: {describe_exception(exc)}"
        ) from exc


def _broken(sig: SignatureField, reason: str) -> SignatureOutcome:
    checks = [Check.failed("signature", reason, SubIndication.FORMAT_FAILURE)]
    checks.extend(
        Check.skipped(check_id, "not evaluated: the signature could not be processed")
        for check_id in _REPORT_CHECKS
        if check_id != "signature"
        and not (sig.kind == "timestamp" and check_id in ("timestamp", "ltv"))
    )
    return SignatureOutcome(name=sig.name, kind=sig.kind, checks=checks)


def _report(name: str, outcomes: list[SignatureOutcome], at: dt.datetime) -> VerificationReport:
    signatures: list[SignatureReport] = []
    summary: list[Check] = []
    for outcome in outcomes:
        indication, sub = conclude(outcome.checks)
        signatures.append(
            SignatureReport(
                field_name=outcome.name,
                type=outcome.kind,
                indication=indication,
                sub_indication=sub,
                signer=outcome.signer,
                signing_time=outcome.signing_time,
                level=outcome.level,
                checks=outcome.checks,
            )
        )
        label = "signature" if outcome.kind == "signature" else "time-stamp"
        who = f" by {outcome.signer}" if outcome.signer else ""
        message = f"{label} {outcome.name!r}{who}: {indication.value}"
        problems = [
            c for c in outcome.checks if c.status in (CheckStatus.FAILED, CheckStatus.INDETERMINATE)
        ]
        if problems:
            message += f" ({problems[0].id}: {problems[0].message})"
        status = {
            Indication.PASSED: CheckStatus.PASSED,
            Indication.FAILED: CheckStatus.FAILED,
            Indication.INDETERMINATE: CheckStatus.INDETERMINATE,
        }[indication]
        summary.append(Check(id=outcome.kind, status=status, message=message, sub_indication=sub))
    if not any(outcome.kind == "signature" for outcome in outcomes):
        what = "only document time-stamps" if outcomes else "no signature at all"
        summary.insert(
            0,
            Check.indeterminate(
                "signature",
                f"the PDF carries {what}: there is no seal to verify",
                SubIndication.GENERIC,
            ),
        )
    signer = next((o.signer for o in outcomes if o.kind == "signature" and o.signer), None)
    return VerificationReport.from_checks(
        summary,
        input=name,
        format="pdf",
        verified_at=at,
        signer=signer,
        signatures=signatures,
    )


def embedded_twoddoc(source: PdfSource, *, limits: VerifyLimits | None = None) -> str | None:
    """The 2D-Doc payload a seal signature of the PDF covers, or ``None``.

    Returns the content of the embedded file :data:`~sealdoc.pades.PAYLOAD_FILE_NAME` as it
    stands in the revision signed by the most recent signature that covers one (so an
    unsigned later update cannot substitute it), decoded as Latin-1 (control characters
    kept). ``None`` when no signature covers such a payload. This does not verify the
    signature: use :func:`verify_pdf` for that, then compare this payload with the code
    decoded from the page. Raises :class:`PdfError` for an unreadable PDF.
    """
    limits = limits or VerifyLimits()
    _name, data = read_pdf_source(source, limits)

    def work(deadline: float | None) -> str | None:
        reader = open_reader(data, limits, deadline=deadline)
        try:
            return _payload(reader, limits)
        except (
            PyHankoPdfError,
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
            IndexError,
            RecursionError,
        ) as exc:
            raise PdfError(f"the PDF cannot be read: {describe_exception(exc)}") from exc

    return run_with_deadline(work, limits.timeout_s)


def _payload(reader: PdfFileReader, limits: VerifyLimits) -> str | None:
    fields = find_signature_fields(reader, max_fields=limits.max_signatures)
    revisions: list[int] = []
    for sig in fields:
        if sig.kind != "signature" or sig.problem is not None:
            continue
        raw = sig.field.raw_get("/V")
        if isinstance(raw, generic.IndirectObject):
            try:
                revisions.append(reader.xrefs.get_last_change(raw.reference))
            except (KeyError, ValueError):
                continue
    for revision in sorted(set(revisions), reverse=True):
        payload = payload_in_revision(reader.get_historical_resolver(revision))
        if payload is not None:
            return payload.decode("latin-1")
    return None
