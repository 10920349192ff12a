# mypy: disable-error-code="no-untyped-call"
# (pyHanko leaves many functions unannotated)
"""Renew the protection of sealed PDFs: fresh validation data and a document time-stamp.

    from sealdoc.audit import renew_archive

    report = renew_archive(Path("archive"), tsa_url="http://tsa.example/", trust=trust,
                           at=moment, before=dt.date(2027, 1, 1))

Every PDF whose protection ends before ``before`` (see :mod:`sealdoc.audit.protection`) and
whose verification PASSED gets, in incremental updates appended to the file (the original bytes
are never rewritten; this is checked before anything is written):

1. the certificates, OCSP responses and CRLs that validate every signature and time-stamp
   already in the document, fetched now, in the DSS;
2. a new document time-stamp (PAdES B-LTA) from ``tsa_url``;
3. the validation data of that new time-stamp's TSA, in the DSS.

Documents that FAILED or are INDETERMINATE are not renewed (a time-stamp would cement a broken
document): fix or investigate them first.

**Crash safety.** Each renewed file replaces the old one atomically (temporary file, fsync,
rename, directory fsync): after a crash a document is either as it was or fully renewed. A
journal (``.sealdoc-renewal.journal`` at the archive root, JSON lines, fsync'ed) records each
document as started and done. Running the same command again resumes: documents done are not
renewed twice, a document whose renewal landed just before the crash is recognised (its first
bytes are the recorded original), and the others are renewed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sealdoc._internal.files import write_atomic
from sealdoc.audit.documents import AuditSettings, DocumentAuditor, NotADocument
from sealdoc.audit.models import DocumentAudit
from sealdoc.audit.policy import CryptoPolicy
from sealdoc.audit.scan import JOURNAL_NAME, hash_file, hash_prefix, scan_archive
from sealdoc.errors import InputError, SealingError, StorageError
from sealdoc.report import Indication
from sealdoc.trust import RevocationPolicy, TrustMaterial

__all__ = ["RenewalOutcome", "RenewalReport", "renew_archive", "renew_pdf"]

#: Without ``before``: renew what needs it within this many days.
DEFAULT_HORIZON = dt.timedelta(days=365)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RenewalOutcome(_Model):
    path: str
    action: Literal["renewed", "recovered", "up-to-date", "skipped", "failed"]
    detail: str
    renew_before: dt.date | None = Field(default=None, description="Before renewal.")
    sha256_before: str | None = None
    sha256_after: str | None = None


class RenewalReport(_Model):
    root: str
    at: dt.datetime
    before: dt.date
    tsa_url: str | None
    resumed: bool
    outcomes: list[RenewalOutcome]

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def exit_status(self) -> int:
        """0: everything due was renewed; 1: a renewal failed; 3: some due were skipped."""
        if self.count("failed"):
            return 1
        if self.count("skipped"):
            return 3
        return 0


# --------------------------------------------------------------------------- one PDF


def renew_pdf(
    data: bytes,
    *,
    trust: TrustMaterial,
    at: dt.datetime,
    tsa_url: str | None = None,
    timestamper: Any = None,
    fetcher_backend: Any = None,
    md_algorithm: str = "sha256",
) -> bytes:
    """``data`` with fresh validation data and a new document time-stamp appended.

    Raises :class:`SealingError` if a certificate cannot be validated now (revocation data
    unavailable, a TSA certificate already expired) or the TSA fails; nothing is returned then.
    """
    if tsa_url is None and timestamper is None:
        raise SealingError("renewal needs a time-stamping authority: give tsa_url=")
    try:
        renewed = asyncio.run(
            _renew(data, trust, at, tsa_url, timestamper, fetcher_backend, md_algorithm)
        )
    except SealingError:
        raise
    except Exception as exc:  # pyHanko and certvalidator raise many types; all mean "not renewed"
        raise SealingError(f"renewal failed: {type(exc).__name__}: {exc}") from exc
    if not renewed.startswith(data):
        raise SealingError("renewal would rewrite the original bytes; nothing was written")
    return renewed


async def _renew(
    data: bytes,
    trust: TrustMaterial,
    at: dt.datetime,
    tsa_url: str | None,
    timestamper: Any,
    fetcher_backend: Any,
    md_algorithm: str,
) -> bytes:
    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.validation.dss import DocumentSecurityStore, collect_validation_info
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
    from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    try:
        existing = DocumentSecurityStore.read_dss(reader)
        pool = list(existing.load_certs())
    except Exception:  # no DSS, or an unreadable one: start from the trust material only
        pool = []
    backend = fetcher_backend or AIOHttpFetcherBackend(per_request_timeout=10)
    context = ValidationContext(
        trust_roots=[
            asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in trust.anchors
        ],
        other_certs=pool
        + [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in trust.certificates],
        crls=[asn1_crl.CertificateList.load(c.public_bytes(Encoding.DER)) for c in trust.crls],
        moment=at,
        allow_fetching=True,
        fetcher_backend=backend,
        revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy.from_legacy("require")),
    )
    stamper = timestamper or HTTPTimeStamper(str(tsa_url), timeout=10)
    output = io.BytesIO(data)
    writer = IncrementalPdfFileWriter(output, strict=False)
    paths = []
    for embedded in reader.embedded_signatures:
        paths.extend(await collect_validation_info(embedded, context))
    DocumentSecurityStore.supply_dss_in_writer(
        writer, None, paths=paths, validation_context=context
    )
    try:
        await PdfTimeStamper(stamper).async_timestamp_pdf(
            writer, md_algorithm, context, in_place=True
        )
    finally:
        if fetcher_backend is None:
            await backend.close()
    return output.getvalue()


# --------------------------------------------------------------------------- the journal


class _Journal:
    """Append-only JSON lines, each fsync'ed before the next step."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read_pending(self) -> list[dict[str, Any]]:
        """Records of the last run if it did not finish, else ``[]``."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StorageError(f"{self.path}: cannot be read ({exc.strerror})") from exc
        records: list[dict[str, Any]] = []
        for line in lines:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a crash
            if isinstance(record, dict):
                records.append(record)
        last_run = max((i for i, r in enumerate(records) if r.get("event") == "run"), default=-1)
        if last_run < 0:
            return []
        current = records[last_run:]
        if any(r.get("event") == "finished" for r in current):
            return []
        return current

    def append(self, **record: Any) -> None:
        line = json.dumps(record, sort_keys=True, default=str) + "\n"
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise StorageError(f"{self.path}: cannot be written ({exc.strerror})") from exc


# --------------------------------------------------------------------------- the archive


def renew_archive(
    root: Path,
    *,
    trust: TrustMaterial,
    at: dt.datetime,
    tsa_url: str | None = None,
    before: dt.date | None = None,
    revocation: RevocationPolicy | str = RevocationPolicy.SOFT_FAIL,
    policy: CryptoPolicy | None = None,
    timestamper: Any = None,
    fetcher_backend: Any = None,
    after_each: Callable[[RenewalOutcome], None] | None = None,
) -> RenewalReport:
    """Renew every PDF under ``root`` whose protection ends before ``before`` (default: one
    year after ``at``). Resumes an interrupted run (see the module documentation)."""
    if not root.is_dir():
        raise InputError(f"{root}: not a directory")
    deadline = before or (at + DEFAULT_HORIZON).date()
    journal = _Journal(root / JOURNAL_NAME)
    pending = journal.read_pending()
    resumed = bool(pending)
    outcomes: list[RenewalOutcome] = []
    done: dict[str, str] = {}
    for record in pending:
        if record.get("event") == "done":
            done[str(record["path"])] = str(record["sha256_after"])
    if not resumed:
        journal.append(event="run", at=at.isoformat(), before=deadline.isoformat(), tsa=tsa_url)
    for record in pending:
        path = str(record.get("path"))
        if record.get("event") != "started" or path in done:
            continue
        recovered = _recover(root, record)
        if recovered is not None:
            done[path] = recovered
            journal.append(event="done", path=path, sha256_after=recovered, recovered=True)
            outcomes.append(
                RenewalOutcome(
                    path=path,
                    action="recovered",
                    sha256_before=record.get("sha256"),
                    sha256_after=recovered,
                    detail="renewed before an interruption (the original bytes are intact)",
                )
            )

    auditor = DocumentAuditor(
        AuditSettings(
            root=root,
            at=at,
            revocation=RevocationPolicy(revocation),
            policy=policy or CryptoPolicy.default(),
            include_reports=False,
        ),
        trust,
    )
    for file in scan_archive(root, with_digests=False).files:
        if file.path in done:
            current, _ = hash_file(file.location)
            if current == done[file.path]:
                if not any(o.path == file.path for o in outcomes):
                    outcomes.append(
                        RenewalOutcome(
                            path=file.path,
                            action="renewed",
                            sha256_after=current,
                            detail="renewed earlier in this (interrupted) run",
                        )
                    )
                continue
        outcome = _renew_one(
            auditor,
            file.path,
            file.location,
            journal,
            deadline,
            trust=trust,
            at=at,
            tsa_url=tsa_url,
            timestamper=timestamper,
            fetcher_backend=fetcher_backend,
        )
        if outcome is None:
            continue
        outcomes.append(outcome)
        if after_each is not None:
            after_each(outcome)
    journal.append(event="finished", renewed=sum(o.action == "renewed" for o in outcomes))
    outcomes.sort(key=lambda o: o.path.encode("utf-8"))
    return RenewalReport(
        root=os.fspath(root),
        at=at,
        before=deadline,
        tsa_url=tsa_url,
        resumed=resumed,
        outcomes=outcomes,
    )


def _recover(root: Path, record: dict[str, Any]) -> str | None:
    """The digest of a document renewed just before a crash, or ``None`` if it was not."""
    location = root / str(record["path"])
    try:
        current, size = hash_file(location)
    except InputError:
        return None
    before, before_size = str(record.get("sha256")), int(record.get("size", -1))
    if current == before or size <= before_size:
        return None
    if hash_prefix(location, before_size) == before:
        return current
    return None


def _renew_one(
    auditor: DocumentAuditor,
    relative: str,
    location: Path,
    journal: _Journal,
    deadline: dt.date,
    *,
    trust: TrustMaterial,
    at: dt.datetime,
    tsa_url: str | None,
    timestamper: Any,
    fetcher_backend: Any,
) -> RenewalOutcome | None:
    try:
        audit = auditor.audit(relative)
    except NotADocument:
        return None
    if audit.format != "pdf":
        return None
    due = _due(audit, deadline)
    if due is not None:
        return due
    data = location.read_bytes()
    sha_before = hashlib.sha256(data).hexdigest()
    if sha_before != audit.sha256:
        return RenewalOutcome(
            path=relative,
            action="failed",
            renew_before=audit.renew_before,
            detail="the file changed while the archive was being renewed",
        )
    journal.append(event="started", path=relative, sha256=sha_before, size=len(data))
    try:
        renewed = renew_pdf(
            data,
            trust=trust,
            at=at,
            tsa_url=tsa_url,
            timestamper=timestamper,
            fetcher_backend=fetcher_backend,
        )
    except SealingError as exc:
        journal.append(event="failed", path=relative, reason=exc.message)
        return RenewalOutcome(
            path=relative,
            action="failed",
            renew_before=audit.renew_before,
            sha256_before=sha_before,
            detail=exc.message,
        )
    mode = 0o644
    with contextlib.suppress(OSError):
        mode = location.stat().st_mode & 0o7777
    write_atomic(location, renewed, mode=mode)
    sha_after = hashlib.sha256(renewed).hexdigest()
    journal.append(event="done", path=relative, sha256_after=sha_after)
    return RenewalOutcome(
        path=relative,
        action="renewed",
        renew_before=audit.renew_before,
        sha256_before=sha_before,
        sha256_after=sha_after,
        detail=f"document time-stamp and validation data added ({len(renewed) - len(data)} bytes "
        "appended)",
    )


def _due(audit: DocumentAudit, deadline: dt.date) -> RenewalOutcome | None:
    """``None`` if the document must be renewed now, else why not."""
    if audit.renew_before is not None and audit.renew_before >= deadline:
        return RenewalOutcome(
            path=audit.path,
            action="up-to-date",
            renew_before=audit.renew_before,
            detail=f"protected until {audit.renew_before.isoformat()}",
        )
    if audit.verdict is not Indication.PASSED:
        label = audit.verdict_label
        why = audit.problems[0] if audit.problems else (audit.error or "")
        return RenewalOutcome(
            path=audit.path,
            action="skipped",
            renew_before=audit.renew_before,
            detail=f"not renewed: verification is {label} ({why})",
        )
    return None
