"""Offline verification of a message's evidence bundle (``sealdoc evidence verify``).

    report = verify_bundle(bundle, trust_anchors=[service_root], at=moment, document=pdf_bytes)

Checks, each reported (nothing stops at the first failure):

* ``checkpoint``: the checkpoint's signature and its signer's chain to ``trust_anchors``;
* ``evidence_seals``: every record's seal, by a certificate chaining to ``trust_anchors``;
* ``evidence_chain``: the records belong to the message, ``seq`` runs 0, 1, 2... and each
  ``previous`` is the leaf hash of the record before (a removed or altered record shows);
  the first record is a SubmissionAcceptance or SubmissionRejection;
* ``log_inclusion``: each leaf is in the log at its index (RFC 6962 inclusion proof against
  the checkpoint's root);
* ``document_digest``: the document given matches the deposited digest (skipped without one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from cryptography import x509
from pydantic import ValidationError

from sealdoc._internal.checkpoint import verify_checkpoint
from sealdoc._internal.merkle import leaf_hash, verify_inclusion
from sealdoc._internal.pkix import chain_problem
from sealdoc.delivery.evidence import SealedEvidence, certificate_sha256, seal_problem
from sealdoc.delivery.evidence_log import EvidenceBundle
from sealdoc.delivery.model import Event
from sealdoc.errors import ParseError
from sealdoc.report import Check, SubIndication, VerificationReport

__all__ = ["parse_bundle", "verify_bundle"]


def parse_bundle(data: bytes | str) -> EvidenceBundle:
    """Parse a bundle (JSON); raises :class:`ParseError`."""
    try:
        return EvidenceBundle.model_validate_json(data)
    except ValidationError as exc:
        raise ParseError(f"not a sealdoc evidence bundle: {exc.errors()[0]['msg']}") from exc


def verify_bundle(
    bundle: EvidenceBundle,
    *,
    trust_anchors: Sequence[x509.Certificate],
    at: dt.datetime,
    document: bytes | None = None,
    name: str | None = None,
) -> VerificationReport:
    """Verify ``bundle`` as of ``at``; see the module documentation for the checks."""
    records: list[SealedEvidence | None] = []
    parse_problems: list[str] = []
    for entry in bundle.entries:
        try:
            records.append(SealedEvidence.parse(entry.leaf))
        except ValidationError as exc:
            records.append(None)
            parse_problems.append(f"record at log index {entry.index} is malformed ({exc})")
    checks = [
        _check_checkpoint(bundle, trust_anchors, at),
        _check_seals(bundle, records, parse_problems, trust_anchors),
        _check_chain(bundle, records),
        _check_inclusion(bundle),
        _check_document(records, document),
    ]
    return VerificationReport.from_checks(
        checks,
        input=name or bundle.message_id,
        format="evidence",
        verified_at=at,
        signer=_subject(bundle.checkpoint.certificate),
    )


def _subject(pem: str) -> str | None:
    try:
        return x509.load_pem_x509_certificate(pem.encode("ascii")).subject.rfc4514_string()
    except ValueError:
        return None


def _check_checkpoint(
    bundle: EvidenceBundle, anchors: Sequence[x509.Certificate], at: dt.datetime
) -> Check:
    result = verify_checkpoint(bundle.checkpoint, anchors, at=at)
    cp = bundle.checkpoint.checkpoint
    if result:
        return Check.passed(
            "checkpoint", f"log {cp.origin!r}: {cp.size} records, signed by {result.signer}"
        )
    return Check.failed("checkpoint", "; ".join(result.problems), SubIndication.SIG_CRYPTO_FAILURE)


def _check_seals(
    bundle: EvidenceBundle,
    records: list[SealedEvidence | None],
    parse_problems: list[str],
    anchors: Sequence[x509.Certificate],
) -> Check:
    problems = list(parse_problems)
    certs: dict[str, x509.Certificate] = {}
    for pem in bundle.certificates:
        try:
            cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
        except ValueError:
            problems.append("a certificate of the bundle is not PEM")
            continue
        certs[certificate_sha256(cert)] = cert
    chain = []
    for pem in bundle.chain:
        try:
            chain.append(x509.load_pem_x509_certificate(pem.encode("ascii")))
        except ValueError:
            problems.append("an intermediate certificate of the bundle is not PEM")
    chain_checked: dict[str, str | None] = {}
    for record in records:
        if record is None:
            continue
        label = f"{record.record.event} ({record.record.evidence_id})"
        sealer = certs.get(record.seal.certificate_sha256)
        if sealer is None:
            problems.append(f"{label}: its sealing certificate is not in the bundle")
            continue
        problem = seal_problem(record, sealer)
        if problem:
            problems.append(f"{label}: {problem}")
        digest = record.seal.certificate_sha256
        if digest not in chain_checked:
            chain_checked[digest] = _chain_problem(sealer, chain, anchors, record.record.event_time)
        if chain_checked[digest]:
            problems.append(f"{label}: {chain_checked[digest]}")
    if problems:
        return Check.failed("evidence_seals", "; ".join(problems), SubIndication.SIG_CRYPTO_FAILURE)
    return Check.passed("evidence_seals", f"{len(records)} records sealed by the service")


def _chain_problem(
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    anchors: Sequence[x509.Certificate],
    moment: dt.datetime,
) -> str | None:
    problem = chain_problem(cert, chain, anchors, moment)
    return None if problem is None else f"the sealing certificate {problem}"


def _check_chain(bundle: EvidenceBundle, records: list[SealedEvidence | None]) -> Check:
    problems = []
    previous_hash: str | None = None
    if not records:
        problems.append("the bundle holds no record")
    for position, (entry, sealed) in enumerate(zip(bundle.entries, records, strict=True)):
        if sealed is None:
            problems.append(f"record {position} cannot be read")
            previous_hash = leaf_hash(entry.leaf.encode("utf-8")).hex()
            continue
        record = sealed.record
        if record.message_id != bundle.message_id:
            problems.append(f"record {position} belongs to message {record.message_id}")
        if record.seq != position:
            problems.append(f"record {position} has seq {record.seq} (a record is missing)")
        if record.previous != previous_hash:
            problems.append(f"record {position} does not follow the record before it")
        previous_hash = leaf_hash(entry.leaf.encode("utf-8")).hex()
    first = records[0] if records else None
    if first is not None and first.record.event not in (
        Event.SUBMISSION_ACCEPTANCE,
        Event.SUBMISSION_REJECTION,
    ):
        problems.append(f"the first record is {first.record.event}, not the submission")
    if problems:
        return Check.failed("evidence_chain", "; ".join(problems), SubIndication.HASH_FAILURE)
    return Check.passed("evidence_chain", f"{len(records)} records, none missing or altered")


def _check_inclusion(bundle: EvidenceBundle) -> Check:
    cp = bundle.checkpoint.checkpoint
    problems = []
    for entry in bundle.entries:
        try:
            proof = [bytes.fromhex(h) for h in entry.inclusion_proof]
        except ValueError:
            problems.append(f"the proof of log index {entry.index} is not hex")
            continue
        leaf = leaf_hash(entry.leaf.encode("utf-8"))
        if not verify_inclusion(leaf, entry.index, cp.size, proof, cp.root):
            problems.append(f"log index {entry.index} is not in the log of the checkpoint")
    if problems:
        return Check.failed("log_inclusion", "; ".join(problems), SubIndication.HASH_FAILURE)
    return Check.passed(
        "log_inclusion", f"{len(bundle.entries)} records in the log of {cp.size} records"
    )


def _check_document(records: list[SealedEvidence | None], document: bytes | None) -> Check:
    if document is None:
        return Check.skipped("document_digest", "no document given")
    digest = hashlib.sha256(document).hexdigest()
    expected = {d.sha256 for r in records if r is not None for d in r.record.documents}
    if digest in expected:
        return Check.passed("document_digest", f"the document's SHA-256 {digest} is the deposit's")
    return Check.failed(
        "document_digest",
        f"the document's SHA-256 {digest} is not the one deposited",
        SubIndication.HASH_FAILURE,
    )
