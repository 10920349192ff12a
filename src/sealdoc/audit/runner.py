"""Audit every document of an archive, in parallel processes.

    from sealdoc.audit import audit_archive

    report = audit_archive(Path("archive"), trust=trust, at=moment, jobs=4)
    report.summary.by_verdict, report.summary.renew_first, report.exit_status

Documents are split into chunks handed to ``jobs`` worker processes; each worker builds one
:class:`~sealdoc.audit.documents.DocumentAuditor` and keeps its caches for all the chunks it
audits. ``jobs=1`` audits in the calling process. Results come back sorted by path, so the
report does not depend on scheduling.
"""

from __future__ import annotations

import copyreg
import datetime as dt
import io
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from sealdoc.audit.documents import AuditSettings, DocumentAuditor, NotADocument
from sealdoc.audit.models import AuditReport, DocumentAudit, summarise
from sealdoc.audit.policy import CryptoPolicy
from sealdoc.audit.scan import scan_archive
from sealdoc.errors import InputError
from sealdoc.trust import RevocationPolicy, TrustMaterial

__all__ = ["ProgressCallback", "audit_archive"]

#: Called with (documents done, documents in total) as the audit progresses.
ProgressCallback = Callable[[int, int], None]

_CHUNK = 16

# --------------------------------------------------------------------------- workers

_worker: DocumentAuditor | None = None


def _pack_trust(trust: TrustMaterial) -> bytes:
    """Pickle trust material; ``cryptography`` objects travel as DER (they do not pickle)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer)
    table = copyreg.dispatch_table.copy()
    table[x509.Certificate] = _reduce_certificate
    table[x509.CertificateRevocationList] = _reduce_crl
    pickler.dispatch_table = table
    pickler.dump(trust)
    return buffer.getvalue()


def _load_certificate(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def _load_crl(der: bytes) -> x509.CertificateRevocationList:
    return x509.load_der_x509_crl(der)


def _reduce_certificate(cert: x509.Certificate) -> tuple[Any, tuple[bytes]]:
    return _load_certificate, (cert.public_bytes(Encoding.DER),)


def _reduce_crl(crl: x509.CertificateRevocationList) -> tuple[Any, tuple[bytes]]:
    return _load_crl, (crl.public_bytes(Encoding.DER),)


def _init_worker(settings: AuditSettings, packed_trust: bytes) -> None:
    global _worker
    trust = pickle.loads(packed_trust)  # noqa: S301 - our own bytes, from the parent process
    _worker = DocumentAuditor(settings, trust)


def _audit_chunk(paths: Sequence[str]) -> tuple[list[DocumentAudit], list[str], dict[str, int]]:
    assert _worker is not None, "worker not initialised"
    return _run_chunk(_worker, paths)


def _run_chunk(
    auditor: DocumentAuditor, paths: Sequence[str]
) -> tuple[list[DocumentAudit], list[str], dict[str, int]]:
    before = auditor.cache_stats
    audits: list[DocumentAudit] = []
    skipped: list[str] = []
    for path in paths:
        try:
            audits.append(auditor.audit(path))
        except NotADocument:
            skipped.append(f"{path}: not a PDF, an image or a 2D-Doc code")
    after = auditor.cache_stats
    return audits, skipped, {k: after[k] - before.get(k, 0) for k in after}


def _context() -> multiprocessing.context.BaseContext:
    """``fork`` when it is safe (no other thread running: fast start, inherited imports),
    else ``forkserver``."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


# --------------------------------------------------------------------------- entry point


def audit_archive(
    path: Path,
    *,
    trust: TrustMaterial,
    at: dt.datetime,
    revocation: RevocationPolicy | str = RevocationPolicy.SOFT_FAIL,
    policy: CryptoPolicy | None = None,
    jobs: int = 1,
    include_reports: bool = True,
    max_bytes: int = 256 * 1024 * 1024,
    progress: ProgressCallback | None = None,
) -> AuditReport:
    """Audit every document under ``path`` (a directory, or a single file).

    ``at`` is the audit time (tests pin it); ``revocation`` and ``trust`` are as for
    :func:`sealdoc.verify`; ``policy`` the cryptographic policy (default
    :meth:`CryptoPolicy.default`). Files that are not documents are listed in ``skipped``.
    Raises :class:`~sealdoc.errors.TrustError` if the trust material is unusable and
    :class:`InputError` if ``path`` cannot be listed.
    """
    if at.utcoffset() is None:
        raise InputError("at= must be a timezone-aware datetime")
    started = time.monotonic()
    if path.is_file():
        root, relatives = path.parent, [path.name]
        skipped_links: list[str] = []
    else:
        scan = scan_archive(path, with_digests=False)
        root = path
        relatives = [f.path for f in scan.files]
        skipped_links = [f"{s.path}: {s.reason}" for s in scan.skipped]
    settings = AuditSettings(
        root=root,
        at=at,
        revocation=RevocationPolicy(revocation),
        policy=policy or CryptoPolicy.default(),
        max_bytes=max_bytes,
        include_reports=include_reports,
    )
    chunks = [relatives[i : i + _CHUNK] for i in range(0, len(relatives), _CHUNK)]
    documents: list[DocumentAudit] = []
    skipped: list[str] = list(skipped_links)
    cache = {
        "certificate_hits": 0,
        "certificate_misses": 0,
        "validation_hits": 0,
        "validation_misses": 0,
    }
    done = 0

    def collect(result: tuple[list[DocumentAudit], list[str], dict[str, int]]) -> None:
        nonlocal done
        audits, skips, stats = result
        documents.extend(audits)
        skipped.extend(skips)
        for key, value in stats.items():
            cache[key] = cache.get(key, 0) + value
        done += len(audits) + len(skips)
        if progress is not None:
            progress(done, len(relatives))

    workers = max(1, min(jobs, len(chunks)))
    if workers == 1:
        auditor = DocumentAuditor(settings, trust)
        for chunk in chunks:
            collect(_run_chunk(auditor, chunk))
    else:
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=_context(),
            initializer=_init_worker,
            initargs=(settings, _pack_trust(trust)),
        ) as pool:
            pending: set[Future[tuple[list[DocumentAudit], list[str], dict[str, int]]]] = {
                pool.submit(_audit_chunk, chunk) for chunk in chunks
            }
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    collect(future.result())
    documents.sort(key=lambda d: d.path.encode("utf-8"))
    skipped.sort()
    return AuditReport(
        root=os.fspath(path),
        at=at,
        policy=settings.policy.name,
        revocation=settings.revocation.value,
        documents=documents,
        skipped=skipped,
        summary=summarise(documents, len(skipped)),
        elapsed_s=round(time.monotonic() - started, 3),
        jobs=workers,
        cache=cache,
    )
