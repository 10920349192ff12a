"""Signed tree heads ("checkpoints") of a Merkle tree, optionally time-stamped by a TSA.

A checkpoint says "the tree named ``origin`` had ``size`` leaves and root ``root_hash`` at
``timestamp``", signed with a :class:`~sealdoc.keys.SigningKey`::

    from sealdoc._internal.checkpoint import Checkpoint, sign_checkpoint, verify_checkpoint

    cp = Checkpoint.for_tree("archive.example/fonds-42", tree, timestamp=moment)
    signed = sign_checkpoint(cp, key, tsa_url="http://tsa.example/")     # TSA optional
    result = verify_checkpoint(signed, trust_anchors=[root_cert], at=moment)
    if result: ...                     # result.valid, result.problems, result.timestamped_at

**What is signed.** The canonical body (:meth:`Checkpoint.signed_bytes`), shaped like a C2SP
``tlog-checkpoint`` note body, UTF-8, each line ending with ``\\n``::

    <origin>
    <size, decimal>
    <root hash, standard base64>
    timestamp <ISO 8601 UTC, seconds precision, "Z" suffix>

The signature is :meth:`SigningKey.sign` over those bytes: DER ECDSA or RSA PKCS#1 v1.5, with
``hash_algorithm``. The JSON form (:class:`SignedCheckpoint`) is only a container: a verifier
rebuilds the body from the fields, so reformatting the JSON never breaks a signature.

**Time-stamp.** With a TSA, ``rfc3161_token`` holds an RFC 3161 ``TimeStampToken`` whose message
imprint is SHA-256 of the signature value (as a CAdES signature time-stamp): it proves the
signature existed at the TSA's time. A verifier then checks the signer's certificate at that
time, not only at ``at``.

**Trust.** The signer's certificate must chain to one of ``trust_anchors`` (path validation by
pyhanko-certvalidator, offline: revocation is not consulted for checkpoints). The TSA's
certificate must chain to ``tsa_trust`` (default: the same anchors).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
)

from sealdoc._internal.merkle import MerkleTree
from sealdoc._internal.pkix import chain_problem, signature_problem
from sealdoc.errors import ParseError, SealingError

if TYPE_CHECKING:
    from pyhanko.sign.timestamps import TimeStamper

    from sealdoc.keys import SigningKey

__all__ = [
    "Checkpoint",
    "CheckpointVerification",
    "SignedCheckpoint",
    "UtcSeconds",
    "sign_checkpoint",
    "verify_checkpoint",
]

_HEX_HASH = re.compile(r"^[0-9a-f]{64}$")
#: A signer may claim a time a little after the TSA's (clock skew); beyond this, it is a problem.
_CLOCK_SKEW = dt.timedelta(minutes=5)


def _utc_seconds(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("the timestamp must carry a time zone")
    return value.astimezone(dt.UTC).replace(microsecond=0)


def _iso_z(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


UtcSeconds = Annotated[
    dt.datetime,
    AfterValidator(_utc_seconds),
    PlainSerializer(_iso_z, return_type=str),
]


class Checkpoint(BaseModel):
    """The tree head itself: what is signed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    origin: str = Field(
        min_length=1,
        max_length=256,
        description="Names the tree (an archive, a delivery log); one line of text.",
    )
    size: int = Field(ge=0, description="Number of leaves.")
    root_hash: str = Field(description="RFC 6962 root hash, 64 lowercase hexadecimal digits.")
    timestamp: UtcSeconds = Field(description="When the head was made (ISO 8601, UTC).")

    @field_validator("origin")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if any(c in value for c in "\r\n") or value != value.strip():
            raise ValueError("the origin must be a single line without surrounding spaces")
        return value

    @field_validator("root_hash")
    @classmethod
    def _hex_hash(cls, value: str) -> str:
        if not _HEX_HASH.match(value):
            raise ValueError("the root hash must be 64 lowercase hexadecimal digits")
        return value

    @classmethod
    def for_tree(cls, origin: str, tree: MerkleTree, *, timestamp: dt.datetime) -> Checkpoint:
        return cls(origin=origin, size=tree.size, root_hash=tree.root().hex(), timestamp=timestamp)

    @property
    def root(self) -> bytes:
        return bytes.fromhex(self.root_hash)

    def signed_bytes(self) -> bytes:
        """The canonical body a signature covers (see the module documentation)."""
        root = base64.b64encode(self.root).decode("ascii")
        return (
            f"{self.origin}\n{self.size}\n{root}\ntimestamp {_iso_z(self.timestamp)}\n"
        ).encode()


class SignedCheckpoint(BaseModel):
    """A checkpoint with its signature, the signer's certificate and an optional time-stamp."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    checkpoint: Checkpoint
    hash_algorithm: str = Field(description="'sha256', 'sha384' or 'sha512'.")
    signature: str = Field(description="Base64 signature over checkpoint.signed_bytes().")
    certificate: str = Field(description="The signer's certificate, PEM.")
    chain: list[str] = Field(default_factory=list, description="Intermediate CAs, PEM.")
    rfc3161_token: str | None = Field(
        default=None,
        description="Base64 DER RFC 3161 TimeStampToken over SHA-256 of the signature value.",
    )

    def signature_bytes(self) -> bytes:
        return _b64(self.signature, "signature")

    def signer_certificate(self) -> x509.Certificate:
        return _pem_certificate(self.certificate, "certificate")

    def chain_certificates(self) -> list[x509.Certificate]:
        return [_pem_certificate(pem, "chain") for pem in self.chain]


def _b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ParseError(f"the checkpoint's {what} is not valid base64") from exc


def _pem_certificate(pem: str, what: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ParseError(f"the checkpoint's {what} is not a PEM certificate") from exc


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


# --------------------------------------------------------------------------- signing


def sign_checkpoint(
    checkpoint: Checkpoint,
    key: SigningKey,
    *,
    hash_algorithm: str | None = None,
    tsa_url: str | None = None,
    timestamper: TimeStamper | None = None,
    tsa_timeout_s: float = 10.0,
) -> SignedCheckpoint:
    """Sign ``checkpoint`` with ``key``; with ``tsa_url`` (or a pyHanko ``timestamper``), also
    have the signature time-stamped. Raises :class:`SealingError` if the TSA fails and
    :class:`~sealdoc.errors.KeyAccessError` if the key does."""
    algorithm = hash_algorithm or key.default_hash
    signature = key.sign(checkpoint.signed_bytes(), algorithm)
    token: str | None = None
    if tsa_url is not None or timestamper is not None:
        token = base64.b64encode(
            _request_timestamp(signature, tsa_url, timestamper, tsa_timeout_s)
        ).decode("ascii")
    return SignedCheckpoint(
        checkpoint=checkpoint,
        hash_algorithm=algorithm.lower().replace("-", ""),
        signature=base64.b64encode(signature).decode("ascii"),
        certificate=_pem(key.certificate),
        chain=[_pem(cert) for cert in key.chain],
        rfc3161_token=token,
    )


def _request_timestamp(
    signature: bytes, tsa_url: str | None, timestamper: TimeStamper | None, timeout_s: float
) -> bytes:
    from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError

    stamper = timestamper or HTTPTimeStamper(str(tsa_url), timeout=int(max(1, timeout_s)))
    digest = hashlib.sha256(signature).digest()
    try:
        token = asyncio.run(stamper.async_timestamp(digest, "sha256"))
    except (TimestampRequestError, OSError) as exc:
        raise SealingError(f"the time-stamping authority failed: {exc}") from exc
    except Exception as exc:  # requests raises its own exception tree (not OSError)
        if type(exc).__module__.startswith(("requests", "urllib3", "aiohttp")):
            raise SealingError(f"the time-stamping authority cannot be reached: {exc}") from exc
        raise
    return bytes(token.dump())


# --------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class CheckpointVerification:
    """The outcome of :func:`verify_checkpoint`. True in a boolean context iff ``valid``."""

    valid: bool
    signer: str | None = None
    timestamped_at: dt.datetime | None = None
    problems: tuple[str, ...] = field(default=())

    def __bool__(self) -> bool:
        return self.valid


def verify_checkpoint(
    signed: SignedCheckpoint,
    trust_anchors: Sequence[x509.Certificate],
    *,
    at: dt.datetime,
    tsa_trust: Sequence[x509.Certificate] | None = None,
    require_timestamp: bool = False,
) -> CheckpointVerification:
    """Check the signature, the signer's chain to ``trust_anchors`` and the time-stamp.

    Every problem is listed (nothing stops at the first). ``at`` is the verification time; the
    signer's certificate must be valid at the time-stamp's time when there is a valid
    time-stamp, else at ``at``. Never raises for a malformed checkpoint: that is a problem.
    """
    problems: list[str] = []
    try:
        cert = signed.signer_certificate()
        chain = signed.chain_certificates()
        signature = signed.signature_bytes()
        token = _b64(signed.rfc3161_token, "time-stamp") if signed.rfc3161_token else None
    except ParseError as exc:
        return CheckpointVerification(valid=False, problems=(exc.message,))
    signer = cert.subject.rfc4514_string()

    signature_problem = _signature_problem(cert, signed, signature)
    if signature_problem:
        problems.append(signature_problem)

    timestamped_at: dt.datetime | None = None
    if token is not None:
        timestamped_at, tsa_problems = _check_timestamp(
            token, signature, tsa_trust if tsa_trust is not None else trust_anchors, at
        )
        problems.extend(tsa_problems)
        claimed = signed.checkpoint.timestamp
        if timestamped_at is not None and claimed > timestamped_at + _CLOCK_SKEW:
            problems.append(
                f"the checkpoint claims {_iso_z(claimed)}, after its time-stamp "
                f"({_iso_z(timestamped_at)})"
            )
    elif require_timestamp:
        problems.append("the checkpoint is not time-stamped")

    moment = timestamped_at if timestamped_at is not None else at
    problems.extend(_chain_problems(cert, chain, trust_anchors, moment))
    return CheckpointVerification(
        valid=not problems,
        signer=signer,
        timestamped_at=timestamped_at,
        problems=tuple(problems),
    )


def _signature_problem(cert: x509.Certificate, signed: SignedCheckpoint, sig: bytes) -> str | None:
    problem = signature_problem(cert, sig, signed.checkpoint.signed_bytes(), signed.hash_algorithm)
    if problem is not None and problem.startswith("the signature does not match"):
        return "the signature does not match the checkpoint (altered, or another signer)"
    return problem


def _check_timestamp(
    token: bytes, signature: bytes, anchors: Sequence[x509.Certificate], at: dt.datetime
) -> tuple[dt.datetime | None, list[str]]:
    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko_certvalidator import ValidationContext

    try:
        content = cms.ContentInfo.load(token)
        signed_data = content["content"]
        if content["content_type"].native != "signed_data":
            raise ValueError("not a SignedData")
        signed_data.native  # noqa: B018 - parse everything now, not lazily later
    except (ValueError, TypeError, KeyError) as exc:
        return None, [f"the time-stamp token is malformed ({exc})"]
    context = ValidationContext(
        trust_roots=[_asn1(cert) for cert in anchors],
        moment=at,
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    expected = hashlib.sha256(signature).digest()

    def imprint(algorithm: str) -> bytes:
        return hashlib.new(algorithm, signature).digest() if algorithm != "sha256" else expected

    try:
        status: dict[str, Any] = asyncio.run(
            validate_tst_signed_data(signed_data, context, imprint)
        )
    except Exception as exc:  # hostile input: any failure is a reported problem
        return None, [f"the time-stamp cannot be validated ({type(exc).__name__}: {exc})"]
    problems = []
    if not status.get("intact") or not status.get("valid"):
        problems.append("the time-stamp does not cover this checkpoint's signature")
    if status.get("trust_problem_indic") is not None:
        problems.append("the time-stamping authority is not trusted")
    when = status.get("timestamp")
    if not isinstance(when, dt.datetime):
        return None, [*problems, "the time-stamp has no time"]
    return (when if not problems else None), problems


def _asn1(cert: x509.Certificate) -> Any:
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _chain_problems(
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    anchors: Sequence[x509.Certificate],
    moment: dt.datetime,
) -> list[str]:
    problem = chain_problem(cert, chain, anchors, moment)
    return [] if problem is None else [f"the signer's certificate {problem}"]
