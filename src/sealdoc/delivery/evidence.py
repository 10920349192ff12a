"""Evidence records (ETSI EN 319 522-3 events) and their seal by the service's key.

A record is a small JSON document naming the event, its time, the issuer of the evidence, the
sender and recipient, the message id and the digest of each document. It is *sealed*: the
service signs the canonical JSON of the record (sorted keys, no spaces, UTF-8) with
:meth:`SigningKey.sign`. The sealed envelope, in its canonical JSON form, is one leaf of the
evidence log (an RFC 6962 Merkle tree with signed checkpoints, see :mod:`.evidence_log`).

Records of one message form a chain: ``seq`` counts them from 0 and ``previous`` is the leaf
hash of the message's previous record, so a record removed from a message's evidence, or
altered, is detected even without the log.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from typing import Annotated, Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from sealdoc._internal.pkix import signature_problem
from sealdoc.delivery.model import Event
from sealdoc.keys import SigningKey

__all__ = [
    "DocumentRef",
    "EvidenceRecord",
    "EvidenceSeal",
    "SealedEvidence",
    "canonical_json",
    "certificate_sha256",
    "seal_problem",
    "seal_record",
]


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("evidence times carry a time zone")
    return value.astimezone(dt.UTC)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


UtcTime = Annotated[dt.datetime, AfterValidator(_utc), PlainSerializer(_iso, return_type=str)]


def canonical_json(data: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: the bytes that are signed and hashed."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DocumentRef(_Frozen):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    filename: str


class EvidenceRecord(_Frozen):
    """One evidence event. ``details`` carries event-specific facts (channel, address, reason)."""

    version: Literal[1] = 1
    evidence_id: str
    event: Event
    event_time: UtcTime
    issuer: str = Field(description="The service issuing the evidence (its log origin).")
    message_id: str
    sender: str = Field(description="Agency id")
    sender_name: str
    recipient: str = Field(description="SCHEME:ID")
    title: str
    documents: list[DocumentRef]
    seq: int = Field(ge=0, description="Position of this record among the message's records.")
    previous: str | None = Field(
        default=None, description="Leaf hash (hex) of the message's previous record."
    )
    reason: str | None = None
    details: dict[str, str | int] = Field(default_factory=dict)

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.model_dump(mode="json"))


class EvidenceSeal(_Frozen):
    hash_algorithm: str
    certificate_sha256: str = Field(description="SHA-256 of the sealing certificate (DER).")
    signature: str = Field(description="Base64 signature over the record's canonical JSON.")


class SealedEvidence(_Frozen):
    """The record with its seal: what goes into the log (as :meth:`canonical_bytes`)."""

    record: EvidenceRecord
    seal: EvidenceSeal

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.model_dump(mode="json"))

    @classmethod
    def parse(cls, data: bytes | str) -> SealedEvidence:
        """Parse a leaf; raises pydantic's ``ValidationError`` (a ``ValueError``)."""
        return cls.model_validate_json(data)


def certificate_sha256(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def seal_record(record: EvidenceRecord, key: SigningKey) -> SealedEvidence:
    algorithm = key.default_hash
    signature = key.sign(record.canonical_bytes(), algorithm)
    return SealedEvidence(
        record=record,
        seal=EvidenceSeal(
            hash_algorithm=algorithm,
            certificate_sha256=certificate_sha256(key.certificate),
            signature=base64.b64encode(signature).decode("ascii"),
        ),
    )


def seal_problem(sealed: SealedEvidence, cert: x509.Certificate) -> str | None:
    """Why the seal of ``sealed`` does not verify with ``cert`` (``None``: it verifies)."""
    if sealed.seal.certificate_sha256 != certificate_sha256(cert):
        return "sealed with another certificate"
    try:
        signature = base64.b64decode(sealed.seal.signature, validate=True)
    except (binascii.Error, ValueError):
        return "the signature is not valid base64"
    problem = signature_problem(
        cert, signature, sealed.record.canonical_bytes(), sealed.seal.hash_algorithm
    )
    if problem is not None and problem.startswith("the signature does not match"):
        return "the seal does not match the record (altered, or sealed by another key)"
    return problem
