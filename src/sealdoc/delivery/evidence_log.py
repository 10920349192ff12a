"""The evidence log: sealed records appended to an RFC 6962 Merkle tree, signed checkpoints,
and the *bundle* that lets anyone check a message's evidence offline.

    log = EvidenceLog(key, issuer="delivery.example/evidence")
    with storage.transaction() as tx:
        log.append(tx, message, Event.SUBMISSION_ACCEPTANCE, at=now, agency_name="...")
    bundle = log.bundle(storage, message_id, at=now)     # records + inclusion proofs + checkpoint

The log index of a record is its position in the tree; a checkpoint signs ``(origin, size,
root, time)`` (:mod:`sealdoc._internal.checkpoint`). A bundle carries, for each record of the
message, its leaf (the exact canonical bytes) and its inclusion proof against the bundle's
checkpoint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import BaseModel, ConfigDict, Field

from sealdoc._internal.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint
from sealdoc._internal.merkle import MerkleTree, leaf_hash
from sealdoc.delivery.evidence import (
    DocumentRef,
    EvidenceRecord,
    SealedEvidence,
    certificate_sha256,
    seal_record,
)
from sealdoc.delivery.model import Event, Message
from sealdoc.delivery.storage import Storage, StoredEvidence, Transaction
from sealdoc.delivery.tokens import RandomSource, new_id
from sealdoc.errors import DeliveryError
from sealdoc.keys import SigningKey

__all__ = ["BUNDLE_FORMAT", "BundleEntry", "EvidenceBundle", "EvidenceLog"]

BUNDLE_FORMAT = "sealdoc-evidence-bundle/1"


class BundleEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int = Field(ge=0, description="Position of the record in the evidence log.")
    leaf: str = Field(description="The sealed record, canonical JSON (hashed as is).")
    inclusion_proof: list[str] = Field(description="Audit path, hex, leaf to root.")


class EvidenceBundle(BaseModel):
    """Everything needed to verify a message's evidence offline (with the service's root CA)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["sealdoc-evidence-bundle/1"] = "sealdoc-evidence-bundle/1"
    message_id: str
    entries: list[BundleEntry]
    checkpoint: SignedCheckpoint
    certificates: list[str] = Field(
        default_factory=list, description="Certificates (PEM) of the evidence seals."
    )
    chain: list[str] = Field(default_factory=list, description="Intermediate CAs (PEM).")

    def records(self) -> list[SealedEvidence]:
        return [SealedEvidence.parse(entry.leaf) for entry in self.entries]


class EvidenceLog:
    """Appends sealed evidence in a write transaction; signs checkpoints; builds bundles."""

    def __init__(
        self,
        key: SigningKey,
        issuer: str,
        random: RandomSource,
        previous_certificates: Sequence[x509.Certificate] = (),
    ) -> None:
        self.key = key
        self.issuer = issuer
        self._random = random
        #: Certificates of earlier service keys, by SHA-256, for records sealed before a rotation.
        self._known = {certificate_sha256(c): c for c in (*previous_certificates, key.certificate)}

    def append(
        self,
        tx: Transaction,
        message: Message,
        event: Event,
        *,
        at: dt.datetime,
        agency_name: str,
        reason: str | None = None,
        details: Mapping[str, str | int] | None = None,
    ) -> SealedEvidence:
        """Seal a record of ``event`` for ``message`` and append it to the log (in ``tx``)."""
        previous = tx.last_evidence_of(message.id)
        seq = 0
        if previous is not None:
            seq = SealedEvidence.parse(previous.leaf).record.seq + 1
        record = EvidenceRecord(
            evidence_id=new_id("ev", self._random),
            event=event,
            event_time=at,
            issuer=self.issuer,
            message_id=message.id,
            sender=message.agency_id,
            sender_name=agency_name,
            recipient=str(message.recipient),
            title=message.title,
            documents=[
                DocumentRef(sha256=message.sha256, size=message.size, filename=message.filename)
            ],
            seq=seq,
            previous=None if previous is None else previous.leaf_hash.hex(),
            reason=reason,
            details=dict(details or {}),
        )
        sealed = seal_record(record, self.key)
        leaf = sealed.canonical_bytes()
        tx.insert_evidence(
            StoredEvidence(
                index=tx.log_size(),
                evidence_id=record.evidence_id,
                message_id=message.id,
                event=event.value,
                event_time=at,
                leaf=leaf,
                leaf_hash=leaf_hash(leaf),
            )
        )
        return sealed

    # -- checkpoints --------------------------------------------------------------------------
    def checkpoint(self, storage: Storage, at: dt.datetime) -> SignedCheckpoint:
        """Sign a checkpoint of the whole log as it is now (reused if the size did not change)."""
        with storage.transaction(write=False) as tx:
            size = tx.log_size()
            existing = tx.checkpoint_for(size)
            if existing is not None:
                return SignedCheckpoint.model_validate_json(existing)
            tree = MerkleTree(tx.leaf_hashes(size))
        signed = self._sign(tree, at)
        with storage.transaction() as tx:
            tx.insert_checkpoint(tree.size, at, signed.model_dump_json())
        return signed

    def _sign(self, tree: MerkleTree, at: dt.datetime) -> SignedCheckpoint:
        return sign_checkpoint(Checkpoint.for_tree(self.issuer, tree, timestamp=at), self.key)

    def latest_checkpoint(self, storage: Storage) -> SignedCheckpoint | None:
        with storage.transaction(write=False) as tx:
            body = tx.latest_checkpoint()
        return None if body is None else SignedCheckpoint.model_validate_json(body)

    # -- bundles ------------------------------------------------------------------------------
    def bundle(self, storage: Storage, message_id: str, at: dt.datetime) -> EvidenceBundle:
        """The message's records with inclusion proofs against a checkpoint covering them."""
        with storage.transaction(write=False) as tx:
            stored = tx.evidence_of(message_id)
        if not stored:
            raise DeliveryError(f"message {message_id} has no evidence")
        needed = stored[-1].index + 1
        latest = self.latest_checkpoint(storage)
        if latest is None or latest.checkpoint.size < needed:
            latest = self.checkpoint(storage, at)
        size = latest.checkpoint.size
        with storage.transaction(write=False) as tx:
            tree = MerkleTree(tx.leaf_hashes(size))
        if tree.root().hex() != latest.checkpoint.root_hash:
            raise DeliveryError("the evidence log does not match its latest checkpoint")
        used: set[str] = set()
        entries = []
        for item in stored:
            used.add(SealedEvidence.parse(item.leaf).seal.certificate_sha256)
            entries.append(
                BundleEntry(
                    index=item.index,
                    leaf=item.leaf.decode("utf-8"),
                    inclusion_proof=[h.hex() for h in tree.inclusion_proof(item.index)],
                )
            )
        certificates = [
            cert.public_bytes(Encoding.PEM).decode("ascii")
            for digest, cert in self._known.items()
            if digest in used
        ]
        return EvidenceBundle(
            message_id=message_id,
            entries=entries,
            checkpoint=latest,
            certificates=certificates,
            chain=[c.public_bytes(Encoding.PEM).decode("ascii") for c in self.key.chain],
        )


def evidence_events(stored: list[StoredEvidence]) -> list[EvidenceRecord]:
    """The records of stored leaves, in log order."""
    return [SealedEvidence.parse(item.leaf).record for item in stored]
