"""Tamper-evident archive manifests: an append-only Merkle log of the archive's files.

A manifest (:class:`ArchiveManifest`, JSON) lists *events* in the order they were recorded,
each a leaf of an RFC 6962 Merkle tree (:mod:`sealdoc._internal.merkle`)::

    leaf data = b"sealdoc-archive/1" 0x00 event 0x00 path (UTF-8) 0x00 SHA-256 (32 bytes)

``event`` is ``added`` or ``removed``; ``path`` is the normalised relative path
(:func:`sealdoc.audit.scan.normalise_path`). Replaying the events gives the files the archive
should hold. The tree head is signed (a :mod:`~sealdoc._internal.checkpoint`, optionally
time-stamped).

**Leaf order and append-only growth.** A first manifest records every file as ``added``,
sorted by path. A manifest built with ``previous=`` copies the previous manifest's events
unchanged, in the same order, then appends ``removed`` events (files gone or changed, sorted by
path) and ``added`` events (new or changed files, sorted by path). So the previous tree is a
prefix of the new one, and an RFC 6962 consistency proof between the two signed heads shows
that nothing recorded earlier was rewritten. The archive *only grew* if, in addition, every
event after the old size is ``added`` (:func:`prove_growth`). The proof from the previous head
is also stored in the new manifest (``previous.consistency_proof``), so someone holding only
the two signed heads can check it without the entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from cryptography import x509
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sealdoc._internal.checkpoint import (
    Checkpoint,
    SignedCheckpoint,
    UtcSeconds,
    sign_checkpoint,
    verify_checkpoint,
)
from sealdoc._internal.merkle import MerkleTree, leaf_hash, verify_consistency
from sealdoc.audit.scan import ArchiveScan, hash_prefix, normalise_path, scan_archive
from sealdoc.errors import InputError, ParseError
from sealdoc.report import Indication

if TYPE_CHECKING:
    from sealdoc.keys import SigningKey

__all__ = [
    "MANIFEST_FORMAT",
    "ArchiveCheck",
    "ArchiveManifest",
    "CheckpointStatus",
    "FileChange",
    "GrowthProof",
    "ManifestEntry",
    "PreviousHead",
    "build_manifest",
    "check_archive",
    "load_manifest",
    "manifest_state",
    "prove_growth",
]

MANIFEST_FORMAT: Final = "sealdoc-archive-manifest/1"
_LEAF_TAG = b"sealdoc-archive/1"
_LEAF_FORMAT = (
    'RFC 6962 SHA-256 tree; leaf data = "sealdoc-archive/1" 0x00 event 0x00 path (UTF-8) '
    "0x00 SHA-256 digest (32 bytes)"
)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ManifestEntry(_Model):
    """One event of the archive's log (a leaf of the tree)."""

    event: Literal["added", "removed"]
    path: str = Field(description="Relative path, '/'-separated, Unicode NFC.")
    sha256: str = Field(description="SHA-256 of the file's content, lowercase hex.")
    size: int = Field(ge=0, description="File size in bytes (informative, not in the leaf).")
    recorded_at: UtcSeconds = Field(description="When this event was recorded.")

    @field_validator("path")
    @classmethod
    def _normalised(cls, value: str) -> str:
        if normalise_path(value) != value:
            raise ValueError(f"path {value!r} is not normalised")
        return value

    @field_validator("sha256")
    @classmethod
    def _hex(cls, value: str) -> str:
        if len(value) != 64 or value.strip("0123456789abcdef"):
            raise ValueError("sha256 must be 64 lowercase hexadecimal digits")
        return value

    def leaf_data(self) -> bytes:
        return b"\x00".join(
            (_LEAF_TAG, self.event.encode(), self.path.encode("utf-8"), bytes.fromhex(self.sha256))
        )

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.leaf_data())


class PreviousHead(_Model):
    """The head of the manifest this one extends, with the consistency proof from it."""

    tree_size: int = Field(ge=0)
    root_hash: str
    consistency_proof: list[str] = Field(description="RFC 6962 consistency proof, hex hashes.")
    checkpoint: SignedCheckpoint | None = None


class ArchiveManifest(_Model):
    """A signed, append-only record of an archive's files (see the module documentation)."""

    format: Literal["sealdoc-archive-manifest/1"] = MANIFEST_FORMAT
    origin: str = Field(description="Names the archive; also the checkpoint's origin.")
    created_at: UtcSeconds
    leaf_format: str = _LEAF_FORMAT
    entries: list[ManifestEntry] = Field(description="Events, in leaf order.")
    tree_size: int = Field(ge=0)
    root_hash: str = Field(description="RFC 6962 root of the entries, lowercase hex.")
    previous: PreviousHead | None = None
    checkpoint: SignedCheckpoint | None = Field(
        default=None, description="Signed (and possibly time-stamped) tree head."
    )

    def tree(self) -> MerkleTree:
        return MerkleTree([entry.leaf_hash() for entry in self.entries])

    def to_json(self) -> bytes:
        return (self.model_dump_json(indent=2) + "\n").encode("utf-8")


def load_manifest(path: Path) -> ArchiveManifest:
    """Read a manifest file; :class:`ParseError` if it is not one."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from exc
    try:
        return ArchiveManifest.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ParseError(
            f"{path}: not a sealdoc archive manifest ({where}: {first['msg']})"
        ) from exc


def manifest_state(entries: Iterable[ManifestEntry]) -> dict[str, ManifestEntry]:
    """Replay the events: the files the archive holds after them. ``ValueError`` if the log is
    incoherent (a file added twice, or removed while absent or with another digest)."""
    state: dict[str, ManifestEntry] = {}
    for index, entry in enumerate(entries):
        current = state.get(entry.path)
        if entry.event == "added":
            if current is not None:
                raise ValueError(f"entry {index} adds {entry.path!r}, which is already present")
            state[entry.path] = entry
        else:
            if current is None or current.sha256 != entry.sha256:
                raise ValueError(f"entry {index} removes {entry.path!r}, which is not present")
            del state[entry.path]
    return state


# --------------------------------------------------------------------------- building


def build_manifest(
    root: Path,
    *,
    origin: str,
    at: dt.datetime,
    key: SigningKey | None = None,
    tsa_url: str | None = None,
    previous: ArchiveManifest | None = None,
    exclude: Sequence[Path] = (),
    scan: ArchiveScan | None = None,
) -> ArchiveManifest:
    """Record every file under ``root``; sign the head with ``key`` (time-stamped by
    ``tsa_url``). With ``previous``, extend its log (see the module documentation)."""
    scan = scan or scan_archive(root, exclude=exclude)
    if scan.unrecordable:
        names = "; ".join(f"{s.path}: {s.reason}" for s in scan.unrecordable[:5])
        raise InputError(f"{root}: some files cannot be recorded faithfully ({names})")
    entries: list[ManifestEntry] = list(previous.entries) if previous else []
    if previous is not None:
        problems = _integrity_problems(previous, previous.tree())
        if problems:
            raise InputError(f"the previous manifest cannot be extended: {problems[0]}")
    before = manifest_state(entries) if previous else {}
    now = {f.path: f for f in scan.files}
    removed = [e for p, e in before.items() if p not in now or now[p].sha256 != e.sha256]
    for entry in sorted(removed, key=lambda e: e.path.encode("utf-8")):
        entries.append(entry.model_copy(update={"event": "removed", "recorded_at": at}))
    for file in scan.files:  # already sorted by path
        old = before.get(file.path)
        if old is None or old.sha256 != file.sha256:
            entries.append(
                ManifestEntry(
                    event="added",
                    path=file.path,
                    sha256=file.sha256,
                    size=file.size,
                    recorded_at=at,
                )
            )
    tree = MerkleTree([e.leaf_hash() for e in entries])
    link = None
    if previous is not None:
        link = PreviousHead(
            tree_size=previous.tree_size,
            root_hash=previous.root_hash,
            consistency_proof=[h.hex() for h in tree.consistency_proof(previous.tree_size)],
            checkpoint=previous.checkpoint,
        )
    checkpoint = None
    if key is not None:
        checkpoint = sign_checkpoint(
            Checkpoint.for_tree(origin, tree, timestamp=at), key, tsa_url=tsa_url
        )
    return ArchiveManifest(
        origin=origin,
        created_at=at,
        entries=entries,
        tree_size=tree.size,
        root_hash=tree.root().hex(),
        previous=link,
        checkpoint=checkpoint,
    )


# --------------------------------------------------------------------------- checking


class FileChange(_Model):
    """A difference between the archive on disk and its manifest."""

    kind: Literal["modified", "appended", "added", "removed", "renamed"]
    path: str = Field(description="The path on disk (for 'removed': the path in the manifest).")
    previous_path: str | None = Field(default=None, description="For 'renamed': the old path.")
    expected_sha256: str | None = None
    actual_sha256: str | None = None
    detail: str

    @property
    def line(self) -> str:
        return f"{self.kind}: {self.path}" + (
            f" (was {self.previous_path})" if self.previous_path else ""
        )


class CheckpointStatus(_Model):
    signed: bool
    valid: bool | None = Field(description="None: not verified (unsigned, or no trust anchor).")
    signer: str | None = None
    timestamped_at: dt.datetime | None = None
    problems: list[str] = Field(default_factory=list)


class GrowthProof(_Model):
    """Whether the archive only grew between two manifests."""

    old_size: int
    old_root: str
    new_size: int
    new_root: str
    consistent: bool = Field(description="The RFC 6962 consistency proof verifies.")
    only_grew: bool = Field(description="Consistent, and every later event is an addition.")
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    old_checkpoint: CheckpointStatus | None = None
    problems: list[str] = Field(default_factory=list)


class ArchiveCheck(_Model):
    """The outcome of :func:`check_archive`."""

    root: str
    origin: str
    manifest_size: int
    root_hash: str
    checked_at: dt.datetime
    indication: Indication
    files_checked: int
    unchanged: int
    changes: list[FileChange]
    skipped: list[str] = Field(default_factory=list, description="Symlinks, special files.")
    manifest_problems: list[str] = Field(default_factory=list)
    checkpoint: CheckpointStatus
    since: GrowthProof | None = None


def _checkpoint_status(
    manifest: ArchiveManifest,
    tree: MerkleTree,
    anchors: Sequence[x509.Certificate],
    tsa_trust: Sequence[x509.Certificate] | None,
    at: dt.datetime,
) -> CheckpointStatus:
    signed = manifest.checkpoint
    if signed is None:
        return CheckpointStatus(
            signed=False, valid=None, problems=["the manifest's tree head is not signed"]
        )
    problems: list[str] = []
    head = signed.checkpoint
    if head.size != tree.size or head.root != tree.root():
        problems.append("the signed tree head does not match the manifest's entries")
    if head.origin != manifest.origin:
        problems.append(f"the signed tree head names another archive ({head.origin!r})")
    if not anchors:
        return CheckpointStatus(
            signed=True,
            valid=False if problems else None,
            problems=[*problems, "no trust anchor given: the signature was not verified"],
        )
    result = verify_checkpoint(signed, anchors, at=at, tsa_trust=tsa_trust)
    problems.extend(result.problems)
    return CheckpointStatus(
        signed=True,
        valid=not problems,
        signer=result.signer,
        timestamped_at=result.timestamped_at,
        problems=problems,
    )


def _integrity_problems(manifest: ArchiveManifest, tree: MerkleTree) -> list[str]:
    problems = []
    if manifest.tree_size != tree.size:
        problems.append(f"the manifest says {manifest.tree_size} entries but lists {tree.size}")
    if manifest.root_hash != tree.root().hex():
        problems.append("the manifest's entries do not hash to its root: it was edited")
    try:
        manifest_state(manifest.entries)
    except ValueError as exc:
        problems.append(f"the manifest's log is incoherent: {exc}")
    link = manifest.previous
    if link is not None:
        try:
            proof = [bytes.fromhex(h) for h in link.consistency_proof]
            old_root = bytes.fromhex(link.root_hash)
        except ValueError:
            proof, old_root = [], b""
        if not verify_consistency(link.tree_size, old_root, tree.size, tree.root(), proof):
            problems.append("the stored consistency proof from the previous head does not verify")
    return problems


def _compare(scan: ArchiveScan, expected: dict[str, ManifestEntry]) -> tuple[list[FileChange], int]:
    actual = scan.by_path()
    changes: list[FileChange] = []
    unchanged = 0
    missing: dict[str, ManifestEntry] = {}
    extra: dict[str, str] = {}
    for path, entry in expected.items():
        file = actual.get(path)
        if file is None:
            missing[path] = entry
        elif file.sha256 == entry.sha256:
            unchanged += 1
        elif file.size > entry.size and hash_prefix(file.location, entry.size) == entry.sha256:
            changes.append(
                FileChange(
                    kind="appended",
                    path=path,
                    expected_sha256=entry.sha256,
                    actual_sha256=file.sha256,
                    detail=f"the recorded {entry.size} bytes are intact; "
                    f"{file.size - entry.size} bytes were appended (an incremental update)",
                )
            )
        else:
            changes.append(
                FileChange(
                    kind="modified",
                    path=path,
                    expected_sha256=entry.sha256,
                    actual_sha256=file.sha256,
                    detail=f"content differs from the recorded SHA-256 {entry.sha256[:16]}…",
                )
            )
    for path, file in actual.items():
        if path not in expected:
            extra[path] = file.sha256
    # a missing file whose exact content appears under a new name was renamed (moved)
    by_digest: dict[str, list[str]] = {}
    for path in sorted(extra, key=lambda p: p.encode("utf-8")):
        by_digest.setdefault(extra[path], []).append(path)
    for path in sorted(missing, key=lambda p: p.encode("utf-8")):
        entry = missing[path]
        candidates = by_digest.get(entry.sha256)
        if candidates:
            new_path = candidates.pop(0)
            del extra[new_path]
            changes.append(
                FileChange(
                    kind="renamed",
                    path=new_path,
                    previous_path=path,
                    expected_sha256=entry.sha256,
                    actual_sha256=entry.sha256,
                    detail=f"same content, moved from {path}",
                )
            )
        else:
            changes.append(
                FileChange(
                    kind="removed",
                    path=path,
                    expected_sha256=entry.sha256,
                    detail="recorded in the manifest, absent from the archive",
                )
            )
    for path, digest in extra.items():
        changes.append(
            FileChange(
                kind="added",
                path=path,
                actual_sha256=digest,
                detail="present in the archive, not recorded in the manifest",
            )
        )
    order = {"modified": 0, "appended": 1, "removed": 2, "renamed": 3, "added": 4}
    changes.sort(key=lambda c: (order[c.kind], c.path.encode("utf-8")))
    return changes, unchanged


def prove_growth(
    old: ArchiveManifest,
    new: ArchiveManifest,
    *,
    trust_anchors: Sequence[x509.Certificate] = (),
    tsa_trust: Sequence[x509.Certificate] | None = None,
    at: dt.datetime,
) -> GrowthProof:
    """Check that ``new`` extends ``old`` (consistency proof) and lists what changed since."""
    problems: list[str] = []
    old_tree, new_tree = old.tree(), new.tree()
    problems.extend(f"earlier manifest: {p}" for p in _integrity_problems(old, old_tree))
    old_cp = _checkpoint_status(old, old_tree, trust_anchors, tsa_trust, at)
    if old_cp.valid is False:
        problems.extend(f"earlier manifest: {p}" for p in old_cp.problems)
    if old.origin != new.origin:
        problems.append(f"the manifests are of different archives ({old.origin!r}, {new.origin!r})")
    consistent = False
    added: list[str] = []
    removed: list[str] = []
    if old.tree_size > new.tree_size:
        problems.append(
            f"the earlier manifest has more entries ({old.tree_size}) than the later one "
            f"({new.tree_size}): the log was truncated"
        )
    else:
        proof = new_tree.consistency_proof(old.tree_size)
        consistent = verify_consistency(
            old.tree_size, old_tree.root(), new_tree.size, new_tree.root(), proof
        )
        if not consistent:
            problems.append(
                "the earlier manifest's tree is not a prefix of the later one: entries recorded "
                "earlier were changed, removed or reordered"
            )
        else:
            for entry in new.entries[old.tree_size :]:
                (added if entry.event == "added" else removed).append(entry.path)
    return GrowthProof(
        old_size=old.tree_size,
        old_root=old_tree.root().hex(),
        new_size=new_tree.size,
        new_root=new_tree.root().hex(),
        consistent=consistent,
        only_grew=consistent and not removed and not problems,
        added=added,
        removed=removed,
        old_checkpoint=old_cp,
        problems=problems,
    )


def check_archive(
    root: Path,
    manifest: ArchiveManifest,
    *,
    at: dt.datetime,
    trust_anchors: Sequence[x509.Certificate] = (),
    tsa_trust: Sequence[x509.Certificate] | None = None,
    since: ArchiveManifest | None = None,
    exclude: Sequence[Path] = (),
) -> ArchiveCheck:
    """Compare the archive under ``root`` with ``manifest`` and verify its signed head.

    FAILED: a file differs, or the manifest or its signature is broken, or (with ``since``) the
    archive did not only grow. INDETERMINATE: everything matches but the signature could not be
    verified (unsigned manifest, no trust anchor). PASSED otherwise.
    """
    tree = manifest.tree()
    manifest_problems = _integrity_problems(manifest, tree)
    checkpoint = _checkpoint_status(manifest, tree, trust_anchors, tsa_trust, at)
    scan = scan_archive(root, exclude=exclude)
    try:
        expected = manifest_state(manifest.entries)
    except ValueError:
        expected = {}
    changes, unchanged = _compare(scan, expected)
    growth = None
    if since is not None:
        growth = prove_growth(
            since, manifest, trust_anchors=trust_anchors, tsa_trust=tsa_trust, at=at
        )
    failed = bool(changes or manifest_problems or checkpoint.valid is False)
    failed = failed or bool(growth is not None and not growth.only_grew)
    if failed:
        indication = Indication.FAILED
    elif checkpoint.valid is None or (
        growth is not None
        and growth.old_checkpoint is not None
        and growth.old_checkpoint.valid is None
    ):
        indication = Indication.INDETERMINATE
    else:
        indication = Indication.PASSED
    return ArchiveCheck(
        root=str(root),
        origin=manifest.origin,
        manifest_size=manifest.tree_size,
        root_hash=manifest.root_hash,
        checked_at=at,
        indication=indication,
        files_checked=len(scan.files),
        unchanged=unchanged,
        changes=changes,
        skipped=[f"{s.path}: {s.reason}" for s in scan.skipped],
        manifest_problems=manifest_problems,
        checkpoint=checkpoint,
        since=growth,
    )
