"""Archive manifests: scanning, the append-only log, and each kind of tampering reported."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from tests.support.pki_services import PKI_TIME, TestPki

from sealdoc._internal.merkle import MerkleTree, verify_consistency
from sealdoc.audit.manifest import (
    ArchiveManifest,
    build_manifest,
    check_archive,
    load_manifest,
    manifest_state,
    prove_growth,
)
from sealdoc.audit.scan import JOURNAL_NAME, normalise_path, scan_archive
from sealdoc.errors import InputError, ParseError
from sealdoc.keys import SigningKey
from sealdoc.report import Indication

LATER = PKI_TIME + dt.timedelta(days=30)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    (root / "2025" / "janvier").mkdir(parents=True)
    (root / "2025" / "fevrier").mkdir(parents=True)
    (root / "2025" / "janvier" / "a.pdf").write_bytes(b"%PDF-1.7 document A\n" * 50)
    (root / "2025" / "janvier" / "b.pdf").write_bytes(b"%PDF-1.7 document B\n" * 50)
    (root / "2025" / "fevrier" / "c.pdf").write_bytes(b"%PDF-1.7 document C\n" * 50)
    (root / "codes.txt").write_bytes(b"DC04FR000001...")
    return root


def build(
    root: Path,
    key: SigningKey | None = None,
    previous: ArchiveManifest | None = None,
    at: dt.datetime = PKI_TIME,
) -> ArchiveManifest:
    return build_manifest(root, origin="archive.test/fonds", at=at, key=key, previous=previous)


# --------------------------------------------------------------------------- scanning


def test_scan_lists_relative_sorted_paths(archive: Path) -> None:
    scan = scan_archive(archive)
    assert [f.path for f in scan.files] == [
        "2025/fevrier/c.pdf",
        "2025/janvier/a.pdf",
        "2025/janvier/b.pdf",
        "codes.txt",
    ]


def test_scan_does_not_follow_symlinks(archive: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(b"outside")
    (archive / "link-dir").symlink_to(outside, target_is_directory=True)
    (archive / "link.pdf").symlink_to(archive / "codes.txt")
    scan = scan_archive(archive)
    assert all("link" not in f.path for f in scan.files)
    assert {s.path for s in scan.skipped} == {"link-dir", "link.pdf"}
    assert all(s.reason.startswith("symbolic link") for s in scan.skipped)
    assert scan.unrecordable == ()


def test_scan_skips_special_files(archive: Path) -> None:
    os.mkfifo(archive / "pipe")
    scan = scan_archive(archive)
    assert [s.reason for s in scan.skipped] == ["special file (not a regular file)"]


def test_scan_excludes_the_renewal_journal(archive: Path) -> None:
    (archive / JOURNAL_NAME).write_text("{}")
    assert JOURNAL_NAME not in {f.path for f in scan_archive(archive).files}


def test_paths_are_normalised_to_nfc() -> None:
    decomposed = "e\u0301t\u0301e\u0301.pdf"
    assert normalise_path(f"./dossier//{decomposed}") == "dossier/\u00e9t\u0301\u00e9.pdf"


@pytest.mark.parametrize("bad", ["../escape.pdf", "/abs.pdf", "", "a/../../b"])
def test_paths_leaving_the_archive_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a relative path"):
        normalise_path(bad)


def test_names_equal_after_normalisation_cannot_be_recorded(archive: Path) -> None:
    (archive / "caf\u00e9.pdf").write_bytes(b"one")
    (archive / "cafe\u0301.pdf").write_bytes(b"two")
    with pytest.raises(InputError, match="cannot be recorded faithfully"):
        build(archive)


def test_archive_that_is_not_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a directory"):
        scan_archive(tmp_path / "missing")


# --------------------------------------------------------------------------- building


def test_first_manifest_records_every_file_as_added_in_path_order(archive: Path) -> None:
    manifest = build(archive)
    assert [(e.event, e.path) for e in manifest.entries] == [
        ("added", "2025/fevrier/c.pdf"),
        ("added", "2025/janvier/a.pdf"),
        ("added", "2025/janvier/b.pdf"),
        ("added", "codes.txt"),
    ]
    assert manifest.tree_size == 4
    assert manifest.root_hash == manifest.tree().root().hex()
    assert manifest.checkpoint is None


def test_manifest_round_trips_through_json(
    archive: Path, seal_key: SigningKey, tmp_path: Path
) -> None:
    manifest = build(archive, seal_key)
    path = tmp_path / "manifest.json"
    path.write_bytes(manifest.to_json())
    assert load_manifest(path) == manifest


def test_unreadable_manifest_raises_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text('{"format": "something else"}')
    with pytest.raises(ParseError, match="not a sealdoc archive manifest"):
        load_manifest(path)


def test_manifest_written_inside_the_archive_is_not_recorded(archive: Path) -> None:
    out = archive / "manifest.json"
    out.write_text("old")
    manifest = build_manifest(archive, origin="o", at=PKI_TIME, exclude=[out])
    assert "manifest.json" not in {e.path for e in manifest.entries}


def test_rebuilding_with_previous_keeps_the_old_log_as_a_prefix(archive: Path) -> None:
    first = build(archive)
    (archive / "2025" / "mars").mkdir()
    (archive / "2025" / "mars" / "d.pdf").write_bytes(b"D")
    (archive / "0-first-by-name.pdf").write_bytes(b"sorts before every other file")
    second = build(archive, previous=first, at=LATER)
    assert second.entries[:4] == first.entries
    assert [(e.event, e.path) for e in second.entries[4:]] == [
        ("added", "0-first-by-name.pdf"),
        ("added", "2025/mars/d.pdf"),
    ]
    assert second.previous is not None
    proof = [bytes.fromhex(h) for h in second.previous.consistency_proof]
    assert verify_consistency(
        4, bytes.fromhex(first.root_hash), 6, bytes.fromhex(second.root_hash), proof
    )


def test_rebuilding_records_a_changed_file_as_removed_then_added(archive: Path) -> None:
    first = build(archive)
    (archive / "codes.txt").write_bytes(b"other content")
    second = build(archive, previous=first, at=LATER)
    assert [(e.event, e.path) for e in second.entries[4:]] == [
        ("removed", "codes.txt"),
        ("added", "codes.txt"),
    ]
    state = manifest_state(second.entries)
    assert state["codes.txt"].sha256 == scan_archive(archive).by_path()["codes.txt"].sha256


# --------------------------------------------------------------------------- scenarios


def test_intact_signed_archive_passes(archive: Path, seal_key: SigningKey, pki: TestPki) -> None:
    result = check_archive(
        archive, build(archive, seal_key), at=PKI_TIME, trust_anchors=pki.trust_roots
    )
    assert result.indication is Indication.PASSED, result
    assert (result.files_checked, result.unchanged, result.changes) == (4, 4, [])
    assert result.checkpoint.valid is True


def test_one_modified_byte_is_reported_as_modified(
    archive: Path, seal_key: SigningKey, pki: TestPki
) -> None:
    manifest = build(archive, seal_key)
    target = archive / "2025" / "janvier" / "a.pdf"
    data = bytearray(target.read_bytes())
    data[100] ^= 0x01
    target.write_bytes(bytes(data))
    result = check_archive(archive, manifest, at=PKI_TIME, trust_anchors=pki.trust_roots)
    assert result.indication is Indication.FAILED
    assert [(c.kind, c.path) for c in result.changes] == [("modified", "2025/janvier/a.pdf")]


def test_removed_file_is_reported_as_removed(
    archive: Path, seal_key: SigningKey, pki: TestPki
) -> None:
    manifest = build(archive, seal_key)
    (archive / "2025" / "janvier" / "b.pdf").unlink()
    result = check_archive(archive, manifest, at=PKI_TIME, trust_anchors=pki.trust_roots)
    assert [(c.kind, c.path) for c in result.changes] == [("removed", "2025/janvier/b.pdf")]
    assert result.indication is Indication.FAILED


def test_added_file_is_reported_as_added(archive: Path, seal_key: SigningKey, pki: TestPki) -> None:
    manifest = build(archive, seal_key)
    (archive / "2025" / "fevrier" / "intrus.pdf").write_bytes(b"%PDF-1.7 smuggled in")
    result = check_archive(archive, manifest, at=PKI_TIME, trust_anchors=pki.trust_roots)
    assert [(c.kind, c.path) for c in result.changes] == [("added", "2025/fevrier/intrus.pdf")]


def test_renamed_file_is_reported_as_renamed_with_its_old_path(
    archive: Path, seal_key: SigningKey, pki: TestPki
) -> None:
    manifest = build(archive, seal_key)
    (archive / "2025" / "janvier" / "a.pdf").rename(archive / "2025" / "fevrier" / "a-moved.pdf")
    result = check_archive(archive, manifest, at=PKI_TIME, trust_anchors=pki.trust_roots)
    assert [(c.kind, c.path, c.previous_path) for c in result.changes] == [
        ("renamed", "2025/fevrier/a-moved.pdf", "2025/janvier/a.pdf")
    ]


def test_appended_bytes_are_told_apart_from_a_modification(
    archive: Path, seal_key: SigningKey, pki: TestPki
) -> None:
    manifest = build(archive, seal_key)
    with (archive / "codes.txt").open("ab") as handle:
        handle.write(b"\n%% incremental update\n")
    result = check_archive(archive, manifest, at=PKI_TIME, trust_anchors=pki.trust_roots)
    assert [(c.kind, c.path) for c in result.changes] == [("appended", "codes.txt")]
    assert "intact" in result.changes[0].detail
    assert result.indication is Indication.FAILED


def test_every_kind_of_change_is_reported_at_once(
    archive: Path, seal_key: SigningKey, pki: TestPki
) -> None:
    manifest = build(archive, seal_key)
    (archive / "codes.txt").write_bytes(b"changed")
    (archive / "2025" / "janvier" / "b.pdf").unlink()
    (archive / "2025" / "fevrier" / "c.pdf").rename(archive / "c.pdf")
    (archive / "new.pdf").write_bytes(b"new")
    result = check_archive(archive, manifest, at=PKI_TIME, trust_anchors=pki.trust_roots)
    assert sorted(c.line for c in result.changes) == [
        "added: new.pdf",
        "modified: codes.txt",
        "removed: 2025/janvier/b.pdf",
        "renamed: c.pdf (was 2025/fevrier/c.pdf)",
    ]
    assert result.unchanged == 1


def test_edited_manifest_entry_breaks_its_root(
    archive: Path, seal_key: SigningKey, pki: TestPki
) -> None:
    manifest = build(archive, seal_key)
    (archive / "codes.txt").write_bytes(b"forged")
    # the forger updates the manifest entry too, but cannot re-sign the head
    forged_entries = [
        e.model_copy(update={"sha256": scan_archive(archive).by_path()["codes.txt"].sha256})
        if e.path == "codes.txt"
        else e
        for e in manifest.entries
    ]
    forged = manifest.model_copy(update={"entries": forged_entries})
    result = check_archive(archive, forged, at=PKI_TIME, trust_anchors=pki.trust_roots)
    assert result.indication is Indication.FAILED
    assert result.changes == []
    assert any("do not hash to its root" in p for p in result.manifest_problems)
    assert result.checkpoint.valid is False


def test_recomputed_root_does_not_match_the_signed_head(
    archive: Path, seal_key: SigningKey, pki: TestPki
) -> None:
    manifest = build(archive, seal_key)
    (archive / "codes.txt").write_bytes(b"forged")
    rebuilt = build(archive)  # consistent but unsigned: the forger keeps the old signature
    forged = rebuilt.model_copy(update={"checkpoint": manifest.checkpoint})
    result = check_archive(archive, forged, at=PKI_TIME, trust_anchors=pki.trust_roots)
    assert result.indication is Indication.FAILED
    assert (
        "the signed tree head does not match the manifest's entries" in result.checkpoint.problems
    )


def test_unsigned_manifest_of_an_intact_archive_is_indeterminate(
    archive: Path, pki: TestPki
) -> None:
    result = check_archive(archive, build(archive), at=PKI_TIME, trust_anchors=pki.trust_roots)
    assert result.indication is Indication.INDETERMINATE
    assert result.checkpoint.signed is False


def test_signed_manifest_without_trust_anchors_is_indeterminate(
    archive: Path, seal_key: SigningKey
) -> None:
    result = check_archive(archive, build(archive, seal_key), at=PKI_TIME)
    assert result.indication is Indication.INDETERMINATE
    assert any("no trust anchor" in p for p in result.checkpoint.problems)


# --------------------------------------------------------------------------- growth (--since)


def test_archive_that_only_grew_is_proven_consistent(
    archive: Path, seal_key: SigningKey, pki: TestPki
) -> None:
    first = build(archive, seal_key)
    (archive / "d.pdf").write_bytes(b"D")
    second = build(archive, seal_key, previous=first, at=LATER)
    result = check_archive(archive, second, at=LATER, trust_anchors=pki.trust_roots, since=first)
    assert result.indication is Indication.PASSED, result
    assert result.since is not None
    assert result.since.consistent
    assert result.since.only_grew
    assert result.since.added == ["d.pdf"]


def test_removal_between_manifests_is_not_growth(
    archive: Path, seal_key: SigningKey, pki: TestPki
) -> None:
    first = build(archive, seal_key)
    (archive / "codes.txt").unlink()
    second = build(archive, seal_key, previous=first, at=LATER)
    growth = prove_growth(first, second, trust_anchors=pki.trust_roots, at=LATER)
    assert growth.consistent
    assert not growth.only_grew
    assert growth.removed == ["codes.txt"]


def test_manifest_rebuilt_from_scratch_is_not_consistent_with_the_old_one(
    archive: Path, seal_key: SigningKey, pki: TestPki
) -> None:
    first = build(archive, seal_key)
    (archive / "0-new.pdf").write_bytes(b"sorts first")
    fresh = build(archive, seal_key, at=LATER)  # no previous: the new file lands at leaf 0
    growth = prove_growth(first, fresh, trust_anchors=pki.trust_roots, at=LATER)
    assert not growth.consistent
    assert any("not a prefix" in p for p in growth.problems)


def test_history_rewritten_to_hide_a_removal_is_detected(
    archive: Path, seal_key: SigningKey, pki: TestPki
) -> None:
    first = build(archive, seal_key)
    (archive / "codes.txt").unlink()
    # the forger drops the file's entry from the old log instead of recording a removal
    entries = [e for e in first.entries if e.path != "codes.txt"]
    tree = MerkleTree([e.leaf_hash() for e in entries])
    rewritten = first.model_copy(
        update={"entries": entries, "tree_size": tree.size, "root_hash": tree.root().hex()}
    )
    second = build(archive, seal_key, previous=rewritten, at=LATER)
    growth = prove_growth(first, second, trust_anchors=pki.trust_roots, at=LATER)
    assert not growth.consistent
    assert not growth.only_grew


def test_truncated_log_is_detected(archive: Path, seal_key: SigningKey, pki: TestPki) -> None:
    first = build(archive, seal_key)
    (archive / "d.pdf").write_bytes(b"D")
    second = build(archive, seal_key, previous=first, at=LATER)
    growth = prove_growth(second, first, trust_anchors=pki.trust_roots, at=LATER)
    assert not growth.only_grew
    assert any("truncated" in p for p in growth.problems)


def test_corrupt_previous_manifest_cannot_be_extended(archive: Path) -> None:
    first = build(archive)
    corrupt = first.model_copy(update={"root_hash": "00" * 32})
    with pytest.raises(InputError, match="cannot be extended"):
        build(archive, previous=corrupt)
