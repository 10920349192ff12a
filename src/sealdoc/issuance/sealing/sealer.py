# mypy: disable-error-code="no-untyped-call"
"""Seal the documents of a batch: the work done once (:func:`plan_batch`) and per document.

:func:`plan_batch` seals a small probe document with :func:`sealdoc.pades.seal_bytes`, which
performs every seal-time check once for the batch (key usage, validity, chain, revocation
status, TSA reachable) and yields the CMS object the batch reproduces (see
:class:`~sealdoc.issuance.sealing.cms.CmsTemplate`) and the size to reserve for it. The
resulting :class:`SealPlan` is plain data; each worker process builds a
:class:`DocumentSealer` from it with its own keys.

Per document, B-B and B-T take the fast path: the incremental update written directly
(:mod:`.update`), the signed attributes filled in, one signature, and at B-T one time-stamp
request, run concurrently with those of the other documents of the chunk. B-LT and B-LTA, and
documents the fast path does not handle, go through :func:`sealdoc.pades.seal_bytes`.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.reader import PdfFileReader

from sealdoc.errors import SealdocError, SealingError
from sealdoc.issuance.sealing.cms import CmsTemplate
from sealdoc.issuance.sealing.pdfsyntax import Unsupported
from sealdoc.issuance.sealing.tsa import TimestampClient
from sealdoc.issuance.sealing.update import (
    FastPathUnavailable,
    Placement,
    PreparedSeal,
    StampImage,
    UpdateRequest,
    prepare_update,
)
from sealdoc.keys import SigningKey
from sealdoc.pades import StampSpec, seal_bytes
from sealdoc.pades.policy import PadesLevel

__all__ = ["DocumentSealer", "SealInput", "SealOutput", "SealPlan", "plan_batch", "probe_pdf"]

#: Room left for a time-stamp token larger than the probe's (serial number, nonce, time).
_TOKEN_MARGIN = 1024


@dataclass(frozen=True)
class SealPlan:
    """Everything a worker needs to seal like the probe (picklable, no key material)."""

    level: PadesLevel
    template: CmsTemplate | None
    contents_size: int
    field_name: str
    reason: str | None
    location: str | None
    tsa_url: str | None
    tsa_concurrency: int
    network_timeout_s: float
    trust_roots_der: tuple[bytes, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    placement: Placement

    @property
    def fast(self) -> bool:
        return self.template is not None


@dataclass(frozen=True)
class SealInput:
    data: bytes
    at: dt.datetime
    stamp: StampImage | None = None
    code: str | None = None  #: the 2D-Doc shown by ``stamp``, embedded as the payload


@dataclass(frozen=True)
class SealOutput:
    data: bytes
    path: Literal["fast", "pyhanko"]


def probe_pdf(width: int = 595, height: int = 842) -> bytes:
    """A one-page blank PDF (A4 by default): the probe every batch seals first."""
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << >> >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        page % (width, height),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def _max_signature_size(key: SigningKey) -> int:
    from sealdoc._internal.keys.algorithms import ecdsa_der_max_length

    public_key = key.public_key
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return ecdsa_der_max_length(public_key)
    return (public_key.key_size + 7) // 8


def plan_batch(
    key: SigningKey,
    *,
    level: PadesLevel,
    at: dt.datetime,
    tsa_url: str | None = None,
    trust_roots: Sequence[x509.Certificate] = (),
    check_revocation: bool = True,
    field_name: str = "Seal",
    reason: str | None = None,
    location: str | None = None,
    placement: Placement | None = None,
    tsa_concurrency: int = 8,
    network_timeout_s: float = 10.0,
) -> SealPlan:
    """Seal the probe (all seal-time checks, once) and derive the batch's :class:`SealPlan`.

    Raises :class:`SealingError` (certificate unusable or revoked, TSA not answering, ...) or
    :class:`~sealdoc.errors.KeyAccessError`: the batch cannot start.
    """
    from cryptography.hazmat.primitives.serialization import Encoding

    probe = seal_bytes(
        probe_pdf(),
        key,
        level=level,
        tsa_url=tsa_url,
        trust_roots=trust_roots,
        check_revocation=check_revocation,
        field_name=field_name,
        reason=reason,
        location=location,
        at=at,
        network_timeout_s=network_timeout_s,
    )
    template = None
    contents_size = 0
    if level in (PadesLevel.B_B, PadesLevel.B_T):
        cms_der, token_size = _probe_signature(probe.data)
        template = CmsTemplate.from_probe(
            cms_der,
            max_signature_size=_max_signature_size(key),
            max_token_size=token_size + _TOKEN_MARGIN if token_size else 0,
        )
        contents_size = template.max_size()
    certificate = key.certificate
    return SealPlan(
        level=level,
        template=template,
        contents_size=contents_size,
        field_name=field_name,
        reason=reason,
        location=location,
        tsa_url=tsa_url,
        tsa_concurrency=tsa_concurrency,
        network_timeout_s=network_timeout_s,
        trust_roots_der=tuple(cert.public_bytes(Encoding.DER) for cert in trust_roots),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        placement=placement or Placement(),
    )


def _probe_signature(sealed: bytes) -> tuple[bytes, int]:
    """The probe's CMS (DER, without padding) and the size of its time-stamp token (or 0)."""
    reader = PdfFileReader(io.BytesIO(sealed))
    (signature,) = reader.embedded_signatures
    signed_data = signature.signed_data
    info_der = _content_info_der(signature.pkcs7_content)
    token_size = 0
    unsigned = signed_data["signer_infos"][0]["unsigned_attrs"]
    if unsigned.native:
        for attribute in unsigned:
            if attribute["type"].native == "signature_time_stamp_token":
                token_size = len(attribute["values"][0].dump())
            else:
                raise SealingError(
                    f"the probe signature has an unexpected unsigned attribute "
                    f"{attribute['type'].native}"
                )
    return info_der, token_size


def _content_info_der(raw: bytes) -> bytes:
    from asn1crypto import cms

    return bytes(cms.ContentInfo.load(bytes(raw), strict=False).dump())


class DocumentSealer:
    """Seals documents per a :class:`SealPlan`, with a key loaded in this process."""

    def __init__(self, plan: SealPlan, key: SigningKey) -> None:
        self.plan = plan
        self.key = key
        self._tsa = (
            TimestampClient(
                plan.tsa_url, timeout_s=plan.network_timeout_s, concurrency=plan.tsa_concurrency
            )
            if plan.tsa_url and plan.level.needs_timestamp
            else None
        )
        self._trust_roots = tuple(x509.load_der_x509_certificate(d) for d in plan.trust_roots_der)

    def seal_many(self, inputs: Sequence[SealInput]) -> list[SealOutput | SealdocError]:
        """Seal each input; a document's problem is its own result, never the others'."""
        results: list[SealOutput | SealdocError | None] = [None] * len(inputs)
        slow: list[int] = []
        pending: list[tuple[int, PreparedSeal, bytes, bytes]] = []  # index, doc, attrs, signature
        template = self.plan.template
        for index, item in enumerate(inputs):
            try:
                self._check_validity(item.at)
                if template is None:
                    slow.append(index)
                    continue
                prepared = prepare_update(item.data, self._request(item), template.digest_algorithm)
                attrs = template.signed_attributes(prepared.digest)
                signature = self.key.sign(attrs, template.digest_algorithm)
                pending.append((index, prepared, attrs, signature))
            except FastPathUnavailable:
                slow.append(index)
            except SealdocError as exc:
                results[index] = exc
        if pending and template is not None:
            tokens: list[bytes | SealingError | None] = [None] * len(pending)
            if self._tsa is not None:
                fetched = self._tsa.tokens([p[3] for p in pending], template.digest_algorithm)
                tokens = list(fetched)
            for (index, prepared, attrs, signature), token in zip(pending, tokens, strict=True):
                if isinstance(token, SealingError):
                    results[index] = token
                    continue
                cms_der = template.content_info(attrs, signature, token)
                try:
                    data = prepared.finish(cms_der)
                except FastPathUnavailable as exc:
                    results[index] = SealingError(str(exc))
                    continue
                results[index] = SealOutput(data, "fast")
        if slow:
            for index, outcome in zip(
                slow, self._seal_slow([inputs[i] for i in slow]), strict=True
            ):
                results[index] = outcome
        return [r if r is not None else SealingError("internal error: not sealed") for r in results]

    def _check_validity(self, at: dt.datetime) -> None:
        if not self.plan.not_before <= at <= self.plan.not_after:
            subject = self.key.certificate.subject.rfc4514_string()
            raise SealingError(
                f"the certificate of {subject} is not valid at {at.isoformat()} "
                f"(valid {self.plan.not_before:%Y-%m-%d} to {self.plan.not_after:%Y-%m-%d})"
            )

    def _request(self, item: SealInput) -> UpdateRequest:
        return UpdateRequest(
            field_name=self.plan.field_name,
            signing_time=item.at,
            contents_size=self.plan.contents_size,
            reason=self.plan.reason,
            location=self.plan.location,
            stamp=item.stamp,
            placement=self.plan.placement,
            payload=None if item.code is None else item.code.encode("latin-1"),
        )

    def _seal_slow(self, inputs: Sequence[SealInput]) -> list[SealOutput | SealdocError]:
        if self.plan.level.needs_timestamp and len(inputs) > 1:
            workers = min(self.plan.tsa_concurrency, len(inputs))
            with ThreadPoolExecutor(workers, thread_name_prefix="sealdoc-seal") as pool:
                return list(pool.map(self._seal_one_slow, inputs))
        return [self._seal_one_slow(item) for item in inputs]

    def _seal_one_slow(self, item: SealInput) -> SealOutput | SealdocError:
        try:
            stamp = None
            if item.code is not None and item.stamp is not None:
                stamp = self._stamp_spec(item)
            sealed = seal_bytes(
                item.data,
                self.key,
                level=self.plan.level,
                tsa_url=self.plan.tsa_url,
                stamp=stamp,
                field_name=self.plan.field_name,
                reason=self.plan.reason,
                location=self.plan.location,
                trust_roots=self._trust_roots,
                check_revocation=False,  # checked once for the batch by plan_batch
                at=item.at,
                network_timeout_s=self.plan.network_timeout_s,
            )
        except SealdocError as exc:
            return exc
        return SealOutput(sealed.data, "pyhanko")

    def _stamp_spec(self, item: SealInput) -> StampSpec:
        """Where the general signer puts the stamp: the same box as the fast path would."""
        from sealdoc.issuance.sealing.update import open_pdf, page_box

        assert item.code is not None
        assert item.stamp is not None
        placement = self.plan.placement
        box = None
        try:
            pdf = open_pdf(item.data)
            _ref, page = pdf.page(placement.page)
            box = placement.box(page_box(pdf, page), item.stamp.width_pt, item.stamp.height_pt)
        except (FastPathUnavailable, Unsupported):
            box = placement.box(
                (0.0, 0.0, 595.276, 841.89), item.stamp.width_pt, item.stamp.height_pt
            )
        return StampSpec(
            code=item.code, page=placement.page, x=box[0], y=box[1], width=box[2] - box[0]
        )
