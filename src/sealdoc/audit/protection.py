"""How long a document's proof lasts: its time-stamp layers, their certificates and algorithms.

**Renew-before date.** A PAdES document is protected by its *outermost* layer: the newest
document time-stamp; without one, the signature time-stamp; without one, the seal itself. Each
layer protects the ones under it as long as it stays valid, so only the outermost counts
(ETSI EN 319 102-1, long-term validation). The renew-before date is the earliest of

* the expiry (``notAfter``) of every certificate of that layer's chain (the TSA's certificate,
  its CAs, the anchor), and
* the end date, under the :class:`~sealdoc.audit.policy.CryptoPolicy`, of the layer's digest
  algorithms (message imprint, CMS digest) and of its signer's key.

A new document time-stamp with fresh validation data (``sealdoc archive renew``) must be
added before that date. 2D-Doc codes cannot be re-protected: they have no renew-before date.

**Findings** (``error``, ``warning``, ``info``): a rejected algorithm anywhere; an algorithm past
its end date; a lapsed or soon-lapsing protection; no trusted time; no embedded validation data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import BaseModel, ConfigDict

from sealdoc.audit.policy import AlgorithmVerdict, CryptoPolicy

__all__ = [
    "ChainCache",
    "Finding",
    "Layer",
    "Protection",
    "TimestampInfo",
    "analyse_pdf",
    "code_protection",
]

#: A protection ending within this many days of the audit time is a warning ("renew soon").
RENEW_SOON = dt.timedelta(days=90)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Finding(_Model):
    severity: Literal["error", "warning", "info"]
    code: str
    message: str


class TimestampInfo(_Model):
    kind: Literal["signature", "document"]
    time: dt.datetime | None
    tsa: str | None
    certificate_expires: dt.datetime | None
    digest: str | None
    key: str | None


class Protection(_Model):
    timestamps: list[TimestampInfo]
    ltv: bool
    renew_before: dt.date | None
    renew_reason: str | None
    findings: list[Finding]


@dataclass(frozen=True)
class Layer:
    """One signature or time-stamp of a document, reduced to what the policy judges."""

    what: str  # "the seal", "the signature time-stamp", "document time-stamp 2"
    kind: Literal["seal", "signature", "document"]
    signer: asn1_x509.Certificate | None
    digests: tuple[str, ...]
    certs: tuple[asn1_x509.Certificate, ...]
    time: dt.datetime | None = None
    revision: int = -1


# --------------------------------------------------------------------------- chains


@dataclass
class ChainCache:
    """Chains of certificates (to find the earliest expiry), cached by certificate fingerprint.

    One per worker process: documents sealed by the same key, or time-stamped by the same TSA,
    share the result.
    """

    anchors: tuple[x509.Certificate, ...]
    _chains: dict[bytes, tuple[x509.Certificate, ...]] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0

    def chain(
        self, cert: asn1_x509.Certificate, pool: Iterable[asn1_x509.Certificate]
    ) -> tuple[x509.Certificate, ...]:
        key = bytes(cert.sha256)
        found = self._chains.get(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        candidates = [*self.anchors, *(_crypto(c) for c in pool)]
        chain = [_crypto(cert)]
        while len(chain) < 8:
            current = chain[-1]
            if current.issuer == current.subject:
                break
            issuer = next(
                (c for c in candidates if c.subject == current.issuer and _issued(current, c)),
                None,
            )
            if issuer is None or issuer in chain:
                break
            chain.append(issuer)
        result = tuple(chain)
        self._chains[key] = result
        return result


def _crypto(cert: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())


def _issued(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:  # any failure: not its issuer (wrong key type, bad signature, ...)
        return False
    return True


# --------------------------------------------------------------------------- PDF parsing


def _subject(cert: asn1_x509.Certificate | None) -> str | None:
    if cert is None:
        return None
    try:
        return str(cert.subject.human_friendly)
    except (ValueError, KeyError):
        return None


def _tst_info(signed_data: cms.SignedData) -> tsp.TSTInfo | None:
    encapsulated = signed_data["encap_content_info"]
    if encapsulated["content_type"].native != "tst_info":
        return None
    info = encapsulated["content"].parsed
    return info if isinstance(info, tsp.TSTInfo) else None


def _signer_of(signed_data: cms.SignedData) -> tuple[asn1_x509.Certificate | None, list[Any]]:
    from pyhanko.sign.validation.generic_cms import extract_certs_for_validation

    certs = extract_certs_for_validation(signed_data)
    return certs.signer_cert, list(certs.other_certs)


def _signature_timestamp(signer_info: cms.SignerInfo) -> cms.SignedData | None:
    unsigned = signer_info["unsigned_attrs"]
    if not unsigned:
        return None
    for attr in unsigned:
        if attr["type"].native == "signature_time_stamp_token":
            token = attr["values"][0]
            return token["content"]
    return None


_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def signature_containers(data: bytes) -> list[cms.SignedData]:
    """The CMS SignedData of every signature and document time-stamp of a PDF, in file order.

    Found through their ``/ByteRange``: the signature's ``/Contents`` is the hexadecimal string
    in the gap of the range, as in every PAdES signature. A match that does not hold a CMS
    SignedData there is ignored. This reads nothing else of the PDF: the verdict on the
    signatures is the PAdES verifier's; this only tells which algorithms and certificates
    protect the document, without parsing the whole file a second time.
    """
    found: list[tuple[int, cms.SignedData]] = []
    for match in _BYTE_RANGE.finditer(data):
        start, first, second, rest = (int(g) for g in match.groups())
        if start != 0 or not 0 < first < second <= len(data) or second + rest > len(data):
            continue
        contents = data[first:second].strip()
        if not (contents.startswith(b"<") and contents.endswith(b">")):
            continue
        try:
            der = bytes.fromhex(contents[1:-1].decode("ascii"))
            info = cms.ContentInfo.load(der)
            if info["content_type"].native != "signed_data":
                continue
            signed_data = info["content"]
            signed_data["encap_content_info"]["content_type"].native  # noqa: B018 - parse now
        except (ValueError, TypeError, KeyError, UnicodeDecodeError):
            continue
        found.append((first, signed_data))
    found.sort(key=lambda pair: pair[0])
    return [signed for _, signed in found]


def pdf_layers(data: bytes) -> list[Layer]:
    """The signatures and time-stamps of a PDF, oldest first (see
    :func:`signature_containers`). Raises ``ValueError`` (or asn1crypto's errors) when a
    container cannot be read."""
    layers: list[Layer] = []
    containers = signature_containers(data)
    seals = sum(
        1 for c in containers if c["encap_content_info"]["content_type"].native != "tst_info"
    )
    number = 0
    for revision, signed_data in enumerate(containers):
        signer, others = _signer_of(signed_data)
        signer_info = signed_data["signer_infos"][0]
        digest = signer_info["digest_algorithm"]["algorithm"].native
        info = _tst_info(signed_data)
        if info is not None:
            layers.append(
                Layer(
                    what="a document time-stamp",
                    kind="document",
                    signer=signer,
                    digests=tuple(
                        dict.fromkeys(
                            [digest, info["message_imprint"]["hash_algorithm"]["algorithm"].native]
                        )
                    ),
                    certs=tuple(others),
                    time=info["gen_time"].native,
                    revision=revision,
                )
            )
            continue
        number += 1
        name = "the seal" if seals == 1 else f"seal {number}"
        layers.append(
            Layer(
                what=name,
                kind="seal",
                signer=signer,
                digests=(digest,),
                certs=tuple(others),
                revision=revision,
            )
        )
        token = _signature_timestamp(signer_info)
        if token is not None:
            tsa, tsa_certs = _signer_of(token)
            token_info = _tst_info(token)
            token_digests = [token["signer_infos"][0]["digest_algorithm"]["algorithm"].native]
            if token_info is not None:
                token_digests.append(
                    token_info["message_imprint"]["hash_algorithm"]["algorithm"].native
                )
            layers.append(
                Layer(
                    what=f"the time-stamp of {name}",
                    kind="signature",
                    signer=tsa,
                    digests=tuple(dict.fromkeys(token_digests)),
                    certs=tuple(tsa_certs),
                    time=token_info["gen_time"].native if token_info is not None else None,
                    revision=revision,
                )
            )
    return layers


# --------------------------------------------------------------------------- judging


def _key_verdict(
    cert: asn1_x509.Certificate | None, policy: CryptoPolicy
) -> AlgorithmVerdict | None:
    if cert is None:
        return None
    info = cert.public_key
    return policy.key(str(info.algorithm), int(info.bit_size))


def _layer_verdicts(layer: Layer, policy: CryptoPolicy) -> list[AlgorithmVerdict]:
    verdicts = [policy.digest(name) for name in layer.digests]
    key = _key_verdict(layer.signer, policy)
    if key is not None:
        verdicts.append(key)
    return verdicts


def _algorithm_findings(
    layers: Sequence[Layer], policy: CryptoPolicy, at: dt.datetime
) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for layer in layers:
        for verdict in _layer_verdicts(layer, policy):
            if (layer.what, verdict.name) in seen:
                continue
            seen.add((layer.what, verdict.name))
            if verdict.rejected:
                findings.append(
                    Finding(
                        severity="error",
                        code="algorithm-rejected",
                        message=f"{layer.what} uses {verdict.name}, rejected by the policy",
                    )
                )
            elif verdict.until is not None and verdict.until < at.date():
                findings.append(
                    Finding(
                        severity="error",
                        code="algorithm-expired",
                        message=f"{layer.what} uses {verdict.name}, accepted only until "
                        f"{verdict.until.isoformat()}",
                    )
                )
    return findings


def _earliest_expiry(chain: Sequence[x509.Certificate]) -> x509.Certificate | None:
    return min(chain, key=lambda c: c.not_valid_after_utc, default=None)


def analyse_layers(
    layers: Sequence[Layer],
    *,
    ltv: bool,
    pool: Sequence[asn1_x509.Certificate],
    policy: CryptoPolicy,
    chains: ChainCache,
    at: dt.datetime,
) -> Protection:
    findings = _algorithm_findings(layers, policy, at)
    timestamps: list[TimestampInfo] = []
    for layer in layers:
        if layer.kind == "seal":
            continue
        chain = chains.chain(layer.signer, [*layer.certs, *pool]) if layer.signer else ()
        earliest = _earliest_expiry(chain)
        key = _key_verdict(layer.signer, policy)
        timestamps.append(
            TimestampInfo(
                kind=layer.kind,
                time=layer.time,
                tsa=_subject(layer.signer),
                certificate_expires=earliest.not_valid_after_utc if earliest else None,
                digest=", ".join(policy.digest(d).name for d in layer.digests),
                key=key.name if key else None,
            )
        )
    stamps = [layer for layer in layers if layer.kind != "seal"]
    outer = stamps[-1] if stamps else (layers[-1] if layers else None)
    renew_before: dt.date | None = None
    reason: str | None = None
    if outer is not None and outer.signer is not None:
        chain = chains.chain(outer.signer, [*outer.certs, *pool])
        bounds: list[tuple[dt.date, str]] = []
        for cert in chain:
            name = cert.subject.rfc4514_string()
            bounds.append(
                (cert.not_valid_after_utc.date(), f"the certificate {name} of {outer.what} expires")
            )
        for verdict in _layer_verdicts(outer, policy):
            if verdict.until is not None:
                bounds.append(
                    (verdict.until, f"{verdict.name} of {outer.what} reaches its policy end date")
                )
        if bounds:
            renew_before, reason = min(bounds, key=lambda b: b[0])
    if not stamps and layers:
        findings.append(
            Finding(
                severity="warning",
                code="no-timestamp",
                message="no time-stamp: the seal proves nothing once its certificate expires or "
                "is revoked; add one (sealdoc archive renew)",
            )
        )
    if layers and not ltv:
        findings.append(
            Finding(
                severity="warning",
                code="no-ltv",
                message="the document does not carry the validation data to verify it offline: "
                "validation later needs the CAs' revocation services to still answer",
            )
        )
    if renew_before is not None:
        if renew_before <= at.date():
            findings.append(
                Finding(
                    severity="error",
                    code="protection-lapsed",
                    message=f"the protection lapsed on {renew_before.isoformat()} ({reason})",
                )
            )
        elif renew_before <= (at + RENEW_SOON).date():
            findings.append(
                Finding(
                    severity="warning",
                    code="renew-soon",
                    message=f"renew before {renew_before.isoformat()}: {reason}",
                )
            )
    return Protection(
        timestamps=timestamps,
        ltv=ltv,
        renew_before=renew_before,
        renew_reason=reason,
        findings=findings,
    )


def analyse_pdf(
    data: bytes, *, ltv: bool, policy: CryptoPolicy, chains: ChainCache, at: dt.datetime
) -> Protection:
    """The protection of a PDF (see the module documentation); ``ltv``: whether the verifier
    found the validation data embedded sufficient. Never raises: a PDF whose signatures cannot
    be analysed yields an ``analysis-failed`` finding."""
    try:
        layers = pdf_layers(data)
    except Exception as exc:  # hostile input: reported as a finding, the verifier has the say
        return Protection(
            timestamps=[],
            ltv=ltv,
            renew_before=None,
            renew_reason=None,
            findings=[
                Finding(
                    severity="error",
                    code="analysis-failed",
                    message=f"the signatures could not be analysed: {type(exc).__name__}: {exc}",
                )
            ],
        )
    return analyse_layers(layers, ltv=ltv, pool=[], policy=policy, chains=chains, at=at)


def code_protection(
    certificate: x509.Certificate | None, *, policy: CryptoPolicy, at: dt.datetime
) -> Protection:
    """The protection of a 2D-Doc code: its signer's key and certificate; no renewal."""
    findings: list[Finding] = [
        Finding(
            severity="info",
            code="not-renewable",
            message="a 2D-Doc code cannot be re-time-stamped: its proof rests on the "
            "certificate named in its header and the trust list",
        )
    ]
    if certificate is not None:
        asn1 = asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))
        layer = Layer(
            what="the 2D-Doc signature",
            kind="seal",
            signer=asn1,
            digests=(_code_digest(asn1),),
            certs=(),
        )
        findings = _algorithm_findings([layer], policy, at) + findings
    return Protection(
        timestamps=[], ltv=False, renew_before=None, renew_reason=None, findings=findings
    )


def _code_digest(cert: asn1_x509.Certificate) -> str:
    """The digest a 2D-Doc signature uses: by curve size (P-256: SHA-256, ...)."""
    bits = int(cert.public_key.bit_size)
    return "sha256" if bits <= 256 else ("sha384" if bits <= 384 else "sha512")
