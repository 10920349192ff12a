"""The audit scenarios of issue 6, each detected and reported precisely.

The archive (conftest ``CLEAN_ARCHIVE``): four B-LT seals time-stamped by a long-lived TSA (one
by another agency's RSA seal), one B-LT seal whose TSA certificate expires on 2026-04-01 (a
month after the test clock), a 2D-Doc code, and a note that is not a document.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.support.audit_pki import AUDIT_TIME, write_archive

from sealdoc.audit.manifest import build_manifest, check_archive
from sealdoc.audit.models import AuditReport, DocumentAudit
from sealdoc.audit.runner import audit_archive
from sealdoc.keys import SigningKey
from sealdoc.report import Indication, SubIndication
from sealdoc.trust import TrustMaterial
from sealdoc.twoddoc.codec import TwoDDoc
from sealdoc.twoddoc.verify import verify_code


def by_path(report: AuditReport) -> dict[str, DocumentAudit]:
    return {d.path: d for d in report.documents}


def test_clean_archive_passes_and_describes_every_document(
    archive: Path, trust: TrustMaterial
) -> None:
    report = audit_archive(archive, trust=trust, at=AUDIT_TIME)
    docs = {d.path: d for d in report.documents}
    assert report.exit_status == 0
    assert report.summary.by_verdict == {
        "PASSED": 6,
        "FAILED": 0,
        "INDETERMINATE": 0,
        "UNREADABLE": 0,
    }
    assert report.skipped == ["LISEZMOI.md: not a PDF, an image or a 2D-Doc code"]

    seal = docs["2026/janvier/attestation-001.pdf"]
    assert seal.format == "pdf"
    assert seal.signer is not None
    assert "Cachet Archives de test ECDSA" in seal.signer
    assert (seal.seal_time, seal.seal_time_source) == (AUDIT_TIME, "timestamp")
    assert seal.level == "B-LT"
    assert seal.ltv is True
    # the renewal TSA's certificate runs to 2040, but its RSA-2048 key only to 2030-12-31
    assert seal.renew_before == dt.date(2030, 12, 31)
    assert seal.renew_reason is not None
    assert "RSA-2048" in seal.renew_reason
    assert [t.kind for t in seal.timestamps] == ["signature"]

    other = docs["2026/fevrier/arrete-prefecture.pdf"]
    assert other.signer is not None
    assert "Prefecture de test" in other.signer

    code = docs["codes/avis-0001.txt"]
    assert code.format == "2d-doc"
    assert code.verdict is Indication.PASSED
    assert code.seal_time_source == "code"
    assert code.renew_before is None
    assert [f.code for f in code.findings] == ["not-renewable"]


def test_timestamp_certificate_expiring_next_month_is_the_first_to_renew(
    archive: Path, trust: TrustMaterial
) -> None:
    report = audit_archive(archive, trust=trust, at=AUDIT_TIME)
    first = report.summary.renew_first[0]
    assert first.path == "2026/mars/attestation-004.pdf"
    assert first.renew_before == dt.date(2026, 4, 1)
    assert first.reason is not None
    assert "TSA (expiring)" in first.reason
    doc = by_path(report)[first.path]
    assert [f.code for f in doc.findings] == ["renew-soon"]
    assert doc.verdict is Indication.PASSED
    assert report.summary.findings == {"not-renewable": 1, "renew-soon": 1}


def test_document_with_sha1_fails_with_an_algorithm_finding(
    tmp_path: Path, sealed: dict[str, bytes], trust: TrustMaterial
) -> None:
    root = write_archive(tmp_path / "old", sealed, {"ancienne.pdf": "sha1", "a.pdf": "lt-1"})
    report = audit_archive(root, trust=trust, at=AUDIT_TIME)
    doc = {d.path: d for d in report.documents}["ancienne.pdf"]
    assert doc.verdict is Indication.FAILED
    assert doc.sub_indication is SubIndication.CRYPTO_CONSTRAINTS_FAILURE
    assert "the seal uses SHA1, rejected by the policy" in [f.message for f in doc.findings]
    assert any("SHA1 is not accepted" in p for p in doc.problems)
    assert report.exit_status == 1
    assert report.summary.renew_first[0].path == "a.pdf"  # a failed document is not to renew


def test_modified_byte_fails_the_seal_and_the_manifest_names_the_file(
    archive: Path, trust: TrustMaterial, keys: dict[str, SigningKey]
) -> None:
    manifest = build_manifest(archive, origin="fonds", at=AUDIT_TIME, key=keys["seal-ecdsa"])
    target = archive / "2026/janvier/attestation-002.pdf"
    data = bytearray(target.read_bytes())
    at = data.index(b"Attestation n")  # a byte of the page text, inside the signed range
    data[at] ^= 0x20
    target.write_bytes(bytes(data))

    report = audit_archive(archive, trust=trust, at=AUDIT_TIME)
    doc = by_path(report)["2026/janvier/attestation-002.pdf"]
    assert doc.verdict is Indication.FAILED
    assert doc.sub_indication is SubIndication.HASH_FAILURE
    assert report.exit_status == 1

    check = check_archive(archive, manifest, at=AUDIT_TIME, trust_anchors=trust.anchors)
    assert [(c.kind, c.path) for c in check.changes] == [
        ("modified", "2026/janvier/attestation-002.pdf")
    ]


def test_removed_added_and_renamed_files_are_each_reported(
    archive: Path, trust: TrustMaterial, keys: dict[str, SigningKey], sealed: dict[str, bytes]
) -> None:
    manifest = build_manifest(archive, origin="fonds", at=AUDIT_TIME, key=keys["seal-ecdsa"])
    (archive / "2026/fevrier/attestation-003.pdf").unlink()
    (archive / "2026/mars/intrus.pdf").write_bytes(sealed["other-genuine"])
    (archive / "2026/janvier/attestation-001.pdf").rename(archive / "2026/mars/deplace.pdf")

    check = check_archive(archive, manifest, at=AUDIT_TIME, trust_anchors=trust.anchors)
    assert check.indication is Indication.FAILED
    assert sorted(c.line for c in check.changes) == [
        "added: 2026/mars/intrus.pdf",
        "removed: 2026/fevrier/attestation-003.pdf",
        "renamed: 2026/mars/deplace.pdf (was 2026/janvier/attestation-001.pdf)",
    ]
    assert check.checkpoint.valid is True
    # every document still verifies on its own: only the manifest tells what happened
    assert audit_archive(archive, trust=trust, at=AUDIT_TIME).exit_status == 0


def test_document_replaced_by_another_genuinely_sealed_one(
    archive: Path, trust: TrustMaterial, keys: dict[str, SigningKey], sealed: dict[str, bytes]
) -> None:
    manifest = build_manifest(archive, origin="fonds", at=AUDIT_TIME, key=keys["seal-ecdsa"])
    target = "2026/janvier/attestation-001.pdf"
    (archive / target).write_bytes(sealed["other-genuine"])

    report = audit_archive(archive, trust=trust, at=AUDIT_TIME)
    doc = by_path(report)[target]
    assert doc.verdict is Indication.PASSED  # a genuine seal...
    assert "Prefecture de test" in (doc.signer or "")  # ...by another

    check = check_archive(archive, manifest, at=AUDIT_TIME, trust_anchors=trust.anchors)
    assert [(c.kind, c.path) for c in check.changes] == [("modified", target)]
    assert check.changes[0].expected_sha256 != check.changes[0].actual_sha256


def test_file_named_pdf_that_is_not_one_is_unreadable(archive: Path, trust: TrustMaterial) -> None:
    (archive / "2026/mars/vide.pdf").write_bytes(b"not a pdf at all")
    report = audit_archive(archive, trust=trust, at=AUDIT_TIME)
    doc = by_path(report)["2026/mars/vide.pdf"]
    assert doc.verdict is None
    assert doc.error
    assert report.summary.by_verdict["UNREADABLE"] == 1
    assert report.exit_status == 4


def test_untrusted_seal_is_indeterminate(archive: Path, trust: TrustMaterial) -> None:
    only_codes = TrustMaterial(
        anchors=trust.anchors[1:], certificates=trust.certificates, crls=trust.crls
    )
    report = audit_archive(archive, trust=only_codes, at=AUDIT_TIME)
    assert report.summary.by_verdict["INDETERMINATE"] == 5
    assert report.exit_status == 3


def test_code_report_equals_verify_code_and_reuses_the_certificate(
    tmp_path: Path, sealed: dict[str, bytes], trust: TrustMaterial
) -> None:
    layout = {f"codes/avis-{i:04d}.txt": "code" for i in range(6)}
    root = write_archive(tmp_path / "codes", sealed, layout)
    report = audit_archive(root, trust=trust, at=AUDIT_TIME)
    expected = verify_code(
        TwoDDoc.parse(sealed["code"]), trust=trust, at=AUDIT_TIME, input_name="codes/avis-0000.txt"
    )
    assert report.documents[0].report == expected
    assert report.cache == {
        "certificate_hits": 5,
        "certificate_misses": 1,
        "validation_hits": 0,
        "validation_misses": 0,
    }


def test_parallel_audit_gives_the_same_report_as_serial(
    archive: Path, trust: TrustMaterial
) -> None:
    serial = audit_archive(archive, trust=trust, at=AUDIT_TIME, jobs=1)
    parallel = audit_archive(archive, trust=trust, at=AUDIT_TIME, jobs=2)
    assert parallel.documents == serial.documents
    assert parallel.summary == serial.summary
    assert parallel.jobs == 1  # one chunk only: no worker process is worth starting


def test_parallel_audit_over_several_chunks_uses_worker_processes(
    tmp_path: Path, sealed: dict[str, bytes], trust: TrustMaterial
) -> None:
    layout = {f"lot/{i:03d}.pdf": f"lt-{1 + i % 3}" for i in range(20)}
    root = write_archive(tmp_path / "big", sealed, layout)
    progress: list[tuple[int, int]] = []
    report = audit_archive(
        root, trust=trust, at=AUDIT_TIME, jobs=2, progress=lambda d, t: progress.append((d, t))
    )
    assert report.jobs == 2
    assert report.summary.by_verdict["PASSED"] == 20
    assert progress[-1] == (20, 20)
    assert [d.path for d in report.documents] == sorted(layout)


@pytest.mark.parametrize("name", ["single.pdf"])
def test_single_file_can_be_audited(
    tmp_path: Path, sealed: dict[str, bytes], trust: TrustMaterial, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(sealed["lt-1"])
    report = audit_archive(path, trust=trust, at=AUDIT_TIME)
    assert [d.path for d in report.documents] == [name]
