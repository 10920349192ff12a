# mypy: disable-error-code="no-untyped-call"
# (pyHanko leaves many functions unannotated; everything else here is checked strictly)
"""Seal a PDF at a PAdES baseline level (B-B, B-T, B-LT, B-LTA) with pyHanko.

    from sealdoc.keys import load_key
    from sealdoc.pades import StampSpec, seal

    with load_key(key=..., cert=..., chain=[...]) as key:
        seal("in.pdf", "out.pdf", key, level="B-LT", tsa_url="http://tsa.example/",
             stamp=StampSpec(code=two_d_doc, page=0, x=420, y=40))

Before anything is written the sealer checks that the certificate may seal: key usage
``digitalSignature`` or ``nonRepudiation``, valid at ``at``, not revoked (OCSP/CRL through the
fetcher backend, hard-fail: an unreachable responder stops the sealing). The visible stamp,
the embedded 2D-Doc payload (see :mod:`sealdoc.pades.appearance`) and the signature go into
one incremental update; B-LT adds the validation data in the DSS, B-LTA a document time-stamp
after it. The output file is written to a temporary file next to it, fsync'ed and renamed:
a failure never leaves a partial output behind.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import aiohttp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError as PyHankoPdfError
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    InsufficientRevinfoError,
    InvalidCertificateError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
    ValidationError,
)
from pyhanko_certvalidator.fetchers import FetcherBackend
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from sealdoc._internal.files import write_atomic
from sealdoc.errors import PdfError, SealingError
from sealdoc.pades.appearance import StampSpec, embed_twoddoc_payload, stamp_box, stamp_style
from sealdoc.pades.limits import (
    DeadlineStream,
    VerifyLimits,
    describe_exception,
    open_reader,
    read_pdf_source,
    run_with_deadline,
)
from sealdoc.pades.policy import PadesLevel

if TYPE_CHECKING:
    from pyhanko.sign.signers import Signer
    from pyhanko.sign.timestamps import TimeStamper

__all__ = ["SealResult", "SealingKey", "seal", "seal_bytes"]

_SEAL_KEY_USAGES = ("digital_signature", "non_repudiation")


class SealingKey(Protocol):
    """What the sealer needs from a key: :class:`sealdoc.keys.SigningKey` provides it."""

    @property
    def certificate(self) -> x509.Certificate: ...

    @property
    def chain(self) -> tuple[x509.Certificate, ...]: ...

    def pyhanko_signer(self) -> Signer: ...


@dataclass(frozen=True)
class SealResult:
    """What :func:`seal` produced."""

    output: Path
    level: PadesLevel
    field_name: str
    signer: str
    signed_at: dt.datetime
    size: int
    sha256: str
    twoddoc_embedded: bool


@dataclass(frozen=True)
class _Options:
    level: PadesLevel
    tsa_url: str | None
    timestamper: TimeStamper | None
    stamp: StampSpec | None
    field_name: str
    reason: str | None
    location: str | None
    trust_roots: tuple[x509.Certificate, ...]
    fetcher_backend: FetcherBackend | None
    check_revocation: bool
    at: dt.datetime
    network_timeout_s: float


def seal(
    input_pdf: str | os.PathLike[str] | bytes,
    output: str | os.PathLike[str],
    key: SealingKey,
    *,
    level: PadesLevel | str = PadesLevel.B_B,
    tsa_url: str | None = None,
    timestamper: TimeStamper | None = None,
    stamp: StampSpec | None = None,
    field_name: str = "Seal",
    reason: str | None = None,
    location: str | None = None,
    trust_roots: Sequence[x509.Certificate] = (),
    fetcher_backend: FetcherBackend | None = None,
    check_revocation: bool = True,
    at: dt.datetime | None = None,
    timeout_s: float = 120.0,
    network_timeout_s: float = 10.0,
    max_input_bytes: int = VerifyLimits().max_bytes,
) -> SealResult:
    """Seal ``input_pdf`` (a path or the bytes) into ``output`` at PAdES ``level``.

    * ``tsa_url`` (or a pyHanko ``timestamper``) is required from B-T up.
    * ``stamp``: the 2D-Doc to draw on the page and embed as the payload.
    * ``trust_roots``: anchors for the seal-time certificate checks. By default the
      self-signed certificates of the key's chain (or its last certificate): these checks
      establish that the certificate is usable (valid, not revoked), not that verifiers trust
      it. From B-LT up they must also cover the TSA's certificate, whose validation data is
      embedded too.
    * ``fetcher_backend``: pyHanko fetcher backend for OCSP/CRLs (default: aiohttp, with
      ``network_timeout_s`` per request). ``check_revocation=False`` skips the seal-time
      revocation check (validity and key usage are still checked).
    * ``at``: the signing time (default: now). Tests pin it.

    Raises :class:`SealingError` (unusable certificate, revoked, TSA not answering, revocation
    status unknown), :class:`PdfError` (unreadable or encrypted input) or
    :class:`~sealdoc.errors.InputError`. ``output`` is only ever replaced by a complete file.
    """
    source = input_pdf if isinstance(input_pdf, bytes) else Path(input_pdf)
    _name, data = read_pdf_source(source, VerifyLimits(max_bytes=max_input_bytes))
    signed = seal_bytes(
        data,
        key,
        level=level,
        tsa_url=tsa_url,
        timestamper=timestamper,
        stamp=stamp,
        field_name=field_name,
        reason=reason,
        location=location,
        trust_roots=trust_roots,
        fetcher_backend=fetcher_backend,
        check_revocation=check_revocation,
        at=at,
        timeout_s=timeout_s,
        network_timeout_s=network_timeout_s,
    )
    out_path = Path(output)
    write_atomic(out_path, signed.data)
    return SealResult(
        output=out_path,
        level=signed.level,
        field_name=field_name,
        signer=key.certificate.subject.rfc4514_string(),
        signed_at=signed.signed_at,
        size=len(signed.data),
        sha256=hashlib.sha256(signed.data).hexdigest(),
        twoddoc_embedded=stamp is not None,
    )


@dataclass(frozen=True)
class SealedBytes:
    data: bytes
    level: PadesLevel
    signed_at: dt.datetime


def seal_bytes(
    data: bytes,
    key: SealingKey,
    *,
    level: PadesLevel | str = PadesLevel.B_B,
    tsa_url: str | None = None,
    timestamper: TimeStamper | None = None,
    stamp: StampSpec | None = None,
    field_name: str = "Seal",
    reason: str | None = None,
    location: str | None = None,
    trust_roots: Sequence[x509.Certificate] = (),
    fetcher_backend: FetcherBackend | None = None,
    check_revocation: bool = True,
    at: dt.datetime | None = None,
    timeout_s: float = 120.0,
    network_timeout_s: float = 10.0,
) -> SealedBytes:
    """:func:`seal` in memory: the sealed PDF as bytes (same arguments and errors)."""
    try:
        parsed_level = PadesLevel.parse(level)
    except ValueError as exc:
        raise SealingError(str(exc)) from exc
    moment = at or dt.datetime.now(dt.UTC)
    if moment.utcoffset() is None:
        raise SealingError("at= must be a timezone-aware datetime")
    if parsed_level.needs_timestamp and tsa_url is None and timestamper is None:
        raise SealingError(f"level {parsed_level} needs a time-stamping authority: give tsa_url=")
    if not field_name or "." in field_name:
        raise SealingError(f"invalid signature field name {field_name!r}")
    options = _Options(
        level=parsed_level,
        tsa_url=tsa_url,
        timestamper=timestamper,
        stamp=stamp,
        field_name=field_name,
        reason=reason,
        location=location,
        trust_roots=tuple(trust_roots),
        fetcher_backend=fetcher_backend,
        check_revocation=check_revocation,
        at=moment,
        network_timeout_s=network_timeout_s,
    )
    certificate = key.certificate
    usages = _check_certificate_locally(certificate, moment)
    anchors = _seal_anchors(key, options.trust_roots, check_revocation)

    def work(deadline: float | None) -> bytes:
        return asyncio.run(_seal_async(data, key, options, usages, anchors, deadline))

    try:
        sealed = run_with_deadline(work, timeout_s)
    except PdfError as exc:
        if "longer than the limit" in exc.message:
            raise SealingError(f"sealing did not finish within {timeout_s:g} s") from exc
        raise
    return SealedBytes(data=sealed, level=parsed_level, signed_at=moment)


@functools.lru_cache(maxsize=16)
def _timestamper(url: str, timeout_s: float) -> HTTPTimeStamper:
    """One time-stamper per TSA: pyHanko's asks the TSA for a throwaway token the first time, to
    size the signature; reusing it saves that request on every later seal to the same TSA."""
    return HTTPTimeStamper(url, timeout=timeout_s)


def _check_certificate_locally(cert: x509.Certificate, at: dt.datetime) -> set[str]:
    """Key usage and validity period; returns the seal key usages the certificate asserts."""
    subject = cert.subject.rfc4514_string()
    try:
        key_usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise SealingError(
            f"the certificate of {subject} has no keyUsage extension; a seal certificate must "
            "assert digitalSignature or nonRepudiation"
        ) from None
    usages = set()
    if key_usage.digital_signature:
        usages.add("digital_signature")
    if key_usage.content_commitment:
        usages.add("non_repudiation")
    if not usages:
        raise SealingError(
            f"the certificate of {subject} does not allow signing: its keyUsage has neither "
            "digitalSignature nor nonRepudiation"
        )
    if at < cert.not_valid_before_utc:
        raise SealingError(
            f"the certificate of {subject} is not valid before {cert.not_valid_before_utc:%Y-%m-%d}"
        )
    if at > cert.not_valid_after_utc:
        raise SealingError(
            f"the certificate of {subject} expired on {cert.not_valid_after_utc:%Y-%m-%d}"
        )
    return usages


def _seal_anchors(
    key: SealingKey, trust_roots: tuple[x509.Certificate, ...], check_revocation: bool
) -> tuple[x509.Certificate, ...]:
    if trust_roots:
        return trust_roots
    chain = list(key.chain)
    self_signed = tuple(cert for cert in chain if cert.issuer == cert.subject)
    if self_signed:
        return self_signed
    if chain:
        return (chain[-1],)
    if check_revocation:
        raise SealingError(
            "the revocation status of the seal certificate cannot be checked without its issuer: "
            "load the key with its CA chain, or pass trust_roots="
        )
    return (key.certificate,)


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


async def _seal_async(
    data: bytes,
    key: SealingKey,
    options: _Options,
    usages: set[str],
    anchors: tuple[x509.Certificate, ...],
    deadline: float | None,
) -> bytes:
    level = options.level
    fetching = options.check_revocation or level.embeds_validation_data
    backend = options.fetcher_backend
    if fetching and backend is None:
        backend = AIOHttpFetcherBackend(per_request_timeout=options.network_timeout_s)
    context = ValidationContext(
        trust_roots=[_asn1(cert) for cert in anchors],
        other_certs=[_asn1(cert) for cert in key.chain],
        moment=options.at,
        allow_fetching=fetching,
        revocation_mode="hard-fail" if options.check_revocation else "soft-fail",
        fetcher_backend=backend if fetching else None,
    )
    try:
        await _check_chain_and_revocation(key, context, usages, options.check_revocation)
        return await _sign(data, key, options, usages, context, deadline)
    finally:
        await context.aclose()
        if backend is not None:
            # its lazily created HTTP session belongs to this event loop: drop it (a later
            # use creates a new one; a session the caller passed in is left open)
            await backend.close()


async def _check_chain_and_revocation(
    key: SealingKey, context: ValidationContext, usages: set[str], check_revocation: bool
) -> None:
    subject = key.certificate.subject.rfc4514_string()
    validator = CertificateValidator(
        _asn1(key.certificate),
        intermediate_certs=[_asn1(cert) for cert in key.chain],
        validation_context=context,
    )
    try:
        await validator.async_validate_usage(usages)
    except RevokedError as exc:
        raise SealingError(f"the certificate of {subject} is revoked: {exc}") from exc
    except InsufficientRevinfoError as exc:
        raise SealingError(
            f"the revocation status of {subject} could not be established (OCSP responder or "
            f"CRL unreachable or unusable): {exc}"
        ) from exc
    except PathBuildingError as exc:
        raise SealingError(
            f"no certificate chain from {subject} to the trust anchors: {exc}"
        ) from exc
    except (PathValidationError, InvalidCertificateError, ValidationError) as exc:
        what = "chain or revocation status" if check_revocation else "chain"
        raise SealingError(f"the {what} of {subject} is not valid: {exc}") from exc
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise SealingError(
            f"the revocation status of {subject} could not be fetched: {describe_exception(exc)}"
        ) from exc


async def _sign(
    data: bytes,
    key: SealingKey,
    options: _Options,
    usages: set[str],
    context: ValidationContext,
    deadline: float | None,
) -> bytes:
    level = options.level
    # parse first: a broken or encrypted input is a PdfError, whatever else is wrong
    open_reader(data, VerifyLimits(max_bytes=len(data) + 1), deadline=deadline)
    try:
        writer = IncrementalPdfFileWriter(DeadlineStream(data, deadline))
    except (PyHankoPdfError, ValueError, KeyError, TypeError) as exc:
        raise PdfError(f"the PDF cannot be opened for update: {describe_exception(exc)}") from exc

    field_spec = SigFieldSpec(options.field_name)
    style = None
    stamp = options.stamp
    if stamp is not None:
        image = stamp.rendering()
        page = _page_index(writer, stamp.page)
        box = stamp_box(stamp, image)
        embed_twoddoc_payload(writer, stamp.payload())
        # pyHanko types the box as ints but handles floats
        field_spec = SigFieldSpec(options.field_name, on_page=page, box=box)  # type: ignore[arg-type]
        style = stamp_style(image)

    timestamper = options.timestamper
    if timestamper is None and options.tsa_url is not None and level.needs_timestamp:
        timestamper = _timestamper(options.tsa_url, options.network_timeout_s)
    if not level.needs_timestamp:
        timestamper = None

    metadata = PdfSignatureMetadata(
        field_name=options.field_name,
        subfilter=SigSeedSubFilter.PADES,
        reason=options.reason,
        location=options.location,
        embed_validation_info=level.embeds_validation_data,
        use_pades_lta=level is PadesLevel.B_LTA,
        validation_context=context if level.embeds_validation_data else None,
        signer_key_usage=usages,
    )
    signer = PdfSigner(
        metadata,
        key.pyhanko_signer(),
        timestamper=timestamper,
        stamp_style=style,
        new_field_spec=field_spec,
    )
    output = io.BytesIO()
    try:
        session = signer.init_signing_session(writer)
        session.system_time = options.at  # the /M signing time: pinned, not read from the clock
        validation_info = await session.perform_presign_validation(writer)
        reserved = await session.estimate_signature_container_size(validation_info)
        tbs = session.prepare_tbs_document(validation_info=validation_info, bytes_reserved=reserved)
        prepared, result = tbs.digest_tbs_document(output=output)
        post_sign = await tbs.perform_signature(
            document_digest=prepared.document_digest,
            pdf_cms_signed_attrs=PdfCMSSignedAttributes(
                signing_time=options.at,
                adobe_revinfo_attr=(
                    None if validation_info is None else validation_info.adobe_revinfo_attr
                ),
            ),
        )
        await post_sign.post_signature_processing(result)
    except TimestampRequestError as exc:
        raise SealingError(
            f"the time-stamping authority did not answer: {describe_exception(exc)}"
        ) from exc
    except (aiohttp.ClientError, TimeoutError, ConnectionError) as exc:
        raise SealingError(
            f"a network service needed for level {level} did not answer (TSA, OCSP or CRL): "
            f"{describe_exception(exc)}"
        ) from exc
    except SigningError as exc:
        raise SealingError(f"pyHanko refused to seal: {_signing_error_detail(exc)}") from exc
    except (PathValidationError, PathBuildingError, ValidationError) as exc:
        raise SealingError(
            f"validation data for level {level} could not be collected: {exc}"
        ) from exc
    except (PyHankoPdfError, ValueError, KeyError, TypeError) as exc:
        raise SealingError(f"the PDF could not be sealed: {describe_exception(exc)}") from exc
    if result is not output:  # pragma: no cover - pyHanko writes to the stream it was given
        result.seek(0)
        return bytes(result.read())
    return output.getvalue()


def _signing_error_detail(exc: SigningError) -> str:
    parts = [str(exc)]
    cause = exc.__cause__
    while cause is not None and len(parts) < 4:
        parts.append(describe_exception(cause))
        cause = cause.__cause__
    return "; ".join(parts)


def _page_index(writer: IncrementalPdfFileWriter, page: int) -> int:
    try:
        count = int(writer.root["/Pages"]["/Count"])
    except (KeyError, TypeError, ValueError) as exc:
        raise PdfError("the PDF's page tree is unreadable") from exc
    index = page if page >= 0 else count + page
    if not 0 <= index < count:
        raise SealingError(f"page {page} does not exist: the document has {count} page(s)")
    return index
