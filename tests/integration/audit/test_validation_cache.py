"""The audit's validation cache: the same reports with and without it, and no unsound reuse."""

from __future__ import annotations

from pathlib import Path

from tests.support.audit_pki import AUDIT_TIME, write_archive

from sealdoc.audit.documents import AuditSettings, DocumentAuditor
from sealdoc.audit.models import DocumentAudit
from sealdoc.pades import ValidationCache, verify_pdf
from sealdoc.trust import TrustMaterial

#: Several seals by the same key (and copies of them), another agency's key, a TSA certificate
#: that expires soon, document time-stamps, and a seal with a rejected algorithm.
MIXED_ARCHIVE = {
    "a/attestation-001.pdf": "lt-1",
    "a/attestation-001-copie.pdf": "lt-1",
    "a/attestation-002.pdf": "lt-2",
    "a/attestation-003.pdf": "lt-3",
    "b/attestation-003-copie.pdf": "lt-3",
    "b/arrete.pdf": "rsa-1",
    "b/autre.pdf": "other-genuine",
    "c/expirant.pdf": "expiring",
    "c/expirant-bt.pdf": "expiring-B-T",
    "c/expirant-blta.pdf": "expiring-B-LTA",
    "c/expirant-blta-copie.pdf": "expiring-B-LTA",
    "d/ancien-sha1.pdf": "sha1",
}


def _audit_all(root: Path, trust: TrustMaterial, *, cached: bool) -> list[DocumentAudit]:
    auditor = DocumentAuditor(
        AuditSettings(root=root, at=AUDIT_TIME), trust, use_validation_cache=cached
    )
    audits = [auditor.audit(path) for path in sorted(MIXED_ARCHIVE)]
    if cached:
        stats = auditor.cache_stats
        assert stats["validation_hits"] > 0
        assert stats["validation_misses"] > 0
    return audits


def _checks(audit: DocumentAudit) -> list[tuple[str, str, str, str, str | None]]:
    assert audit.report is not None
    return [
        (
            sig.field_name,
            c.id,
            c.status.value,
            c.message,
            c.sub_indication and c.sub_indication.value,
        )
        for sig in audit.report.signatures
        for c in sig.checks
    ]


def test_audit_reports_are_identical_with_and_without_the_validation_cache(
    tmp_path: Path, sealed: dict[str, bytes], trust: TrustMaterial
) -> None:
    root = write_archive(tmp_path / "fonds", sealed, MIXED_ARCHIVE)
    plain = _audit_all(root, trust, cached=False)
    cached = _audit_all(root, trust, cached=True)
    verdicts = {a.verdict_label for a in plain}
    assert len(verdicts) > 1  # the archive mixes outcomes, so sharing a wrong one would show
    for without, with_cache in zip(plain, cached, strict=True):
        assert with_cache.path == without.path
        assert with_cache.verdict == without.verdict
        assert _checks(with_cache) == _checks(without)
        assert with_cache == without


def test_verify_pdf_reports_are_identical_when_served_from_the_cache(
    sealed: dict[str, bytes], trust: TrustMaterial
) -> None:
    cache = ValidationCache()
    plain = verify_pdf(sealed["lt-1"], trust=trust, at=AUDIT_TIME, revocation="soft-fail")
    first = verify_pdf(
        sealed["lt-1"], trust=trust, at=AUDIT_TIME, revocation="soft-fail", cache=cache
    )
    misses = cache.misses
    second = verify_pdf(
        sealed["lt-1"], trust=trust, at=AUDIT_TIME, revocation="soft-fail", cache=cache
    )
    assert cache.misses == misses  # everything certificate-related came from the cache
    assert cache.hits >= misses
    assert first == plain
    assert second == plain


def test_a_different_revocation_policy_recomputes_the_signer_validation(
    sealed: dict[str, bytes], trust: TrustMaterial
) -> None:
    cache = ValidationCache()
    verify_pdf(sealed["lt-1"], trust=trust, at=AUDIT_TIME, revocation="soft-fail", cache=cache)
    misses = cache.misses
    report = verify_pdf(
        sealed["lt-1"], trust=trust, at=AUDIT_TIME, revocation="require", cache=cache
    )
    assert cache.misses > misses
    assert report == verify_pdf(sealed["lt-1"], trust=trust, at=AUDIT_TIME, revocation="require")
