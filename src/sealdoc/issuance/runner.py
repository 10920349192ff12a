"""Run a batch: manifest in, one sealed PDF per row out, every step in the ledger.

    from sealdoc.issuance import issue_batch, load_profile

    summary = issue_batch(load_profile(Path("issuer.toml")), Path("notices.jsonl"),
                          Path("out"), jobs=4)
    summary.all_sealed, summary.sealed, summary.failed, summary.rate

The coordinator (this module) holds the output folder's lock, reads the manifest as a stream,
decides per row (reject, already sealed, to seal), sends chunks of rows to the workers
(:mod:`.pool`), and records every outcome in the ledger (:mod:`.ledger`). Before the first
document, :func:`~sealdoc.issuance.sealing.sealer.plan_batch` performs the seal-time checks
once (certificate usable and not revoked, TSA answering): a batch with an unusable key stops
before writing anything.

**Crash safety.** An output file is renamed into place only once complete and synced; the
ledger marks it sealed only after that. After a ``kill -9`` (of the command or of a worker) the
same command resumes: rows already sealed are skipped, rows in flight are sealed, or their
output is adopted if it was written before the crash (see :mod:`.work`). No document is sealed
twice and none is lost.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sealdoc.errors import SealdocError, StorageError
from sealdoc.issuance.ledger import LEDGER_NAME, Ledger, RunCounts
from sealdoc.issuance.manifest import ManifestEntry, ManifestRow, count_rows, read_manifest
from sealdoc.issuance.outputs import remove_stale_temporaries
from sealdoc.issuance.pool import ChunkDone, ChunkLost, InlinePool, ProcessPool, WorkerSetup
from sealdoc.issuance.profile import IssuerProfile
from sealdoc.issuance.progress import NoProgress, Progress
from sealdoc.issuance.sealing.sealer import SealPlan, plan_batch
from sealdoc.issuance.sealing.update import Placement
from sealdoc.issuance.work import Outcome, Task, output_name

__all__ = ["LOCK_NAME", "BatchSummary", "Failure", "issue_batch"]

LOCK_NAME = ".sealdoc-issue.lock"
#: Rows per chunk sent to a worker (one group commit of output files per chunk).
DEFAULT_CHUNK_SIZE = 32
#: A document whose worker died this many times is given up (it may be what kills it).
_MAX_LOST = 2


@dataclass(frozen=True)
class Failure:
    line: int
    id: str | None
    reason: str


@dataclass(frozen=True)
class BatchSummary:
    """What a run did. ``all_sealed``: every row of the manifest is sealed (now or before)."""

    run_id: int
    rows: int
    sealed: int
    recovered: int
    already: int
    failed: int
    elapsed_s: float
    out_dir: Path
    ledger: Path
    level: str
    fast: int = 0
    failures: tuple[Failure, ...] = field(default=())

    @property
    def all_sealed(self) -> bool:
        return self.failed == 0

    @property
    def nothing_to_do(self) -> bool:
        return self.sealed == 0 and self.recovered == 0 and self.failed == 0

    @property
    def rate(self) -> float:
        """Documents sealed per second during this run."""
        done = self.sealed + self.recovered
        return done / self.elapsed_s if self.elapsed_s > 0 else 0.0


class _DirectoryLock:
    """An exclusive lock on the output folder (workers inherit it and die with the runner)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_NAME
        self._fd: int | None = None

    def __enter__(self) -> _DirectoryLock:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StorageError(f"{self.path}: cannot be created ({exc.strerror})") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StorageError(
                f"another `sealdoc issue` is running on {self.path.parent}: wait for it to finish"
            ) from None
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def row_digest(row: ManifestRow) -> str:
    """Digest of what the row asks for (its input file is checked by content, not by path)."""
    data = row.model_dump(mode="json", exclude={"pdf"})
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _file_sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _default_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_plan(profile: IssuerProfile, at: dt.datetime) -> SealPlan:
    """Load the seal key here, run the probe, return the plan (keys are closed again)."""
    from cryptography import x509

    seal = profile.seal
    roots = []
    for path in seal.trust_roots:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise StorageError(f"{path}: cannot be read ({exc.strerror})") from exc
        try:
            roots.extend(
                x509.load_pem_x509_certificates(data)
                if b"-----BEGIN" in data
                else [x509.load_der_x509_certificate(data)]
            )
        except ValueError as exc:
            raise SealdocError(f"{path}: not a certificate ({exc})") from exc
    twoddoc = profile.twoddoc
    placement = Placement(
        page=(twoddoc.page - 1) if twoddoc else 0,
        corner=twoddoc.corner if twoddoc else "top-right",
        margin_mm=twoddoc.margin_mm if twoddoc else 10.0,
        x_mm=twoddoc.x_mm if twoddoc else None,
        y_mm=twoddoc.y_mm if twoddoc else None,
    )
    with seal.load() as key:
        plan = plan_batch(
            key,
            level=seal.level,
            at=at,
            tsa_url=seal.tsa,
            trust_roots=roots,
            check_revocation=seal.check_revocation,
            field_name=seal.field_name,
            reason=seal.reason,
            location=seal.location,
            placement=placement,
            tsa_concurrency=seal.tsa_concurrency,
            network_timeout_s=seal.network_timeout_s,
        )
    if twoddoc is not None and twoddoc.has_key():
        with twoddoc.load() as twoddoc_key:
            if twoddoc_key.algorithm != "ecdsa":
                raise SealdocError("the [twoddoc] key must be an ECDSA key (2D-Doc signatures)")
    elif twoddoc is not None:
        with seal.load() as key:
            if key.algorithm != "ecdsa":
                raise SealdocError(
                    "2D-Doc signatures need an ECDSA key: the seal key is RSA, give [twoddoc] "
                    "its own key"
                )
    return plan


class _Run:
    """State of one run of the coordinator."""

    def __init__(
        self,
        ledger: Ledger,
        run_id: int,
        out_dir: Path,
        progress: Progress,
        level: str,
    ) -> None:
        self.ledger = ledger
        self.run_id = run_id
        self.out_dir = out_dir
        self.progress = progress
        self.level = level
        self.sealed = self.recovered = self.already = self.failed = self.fast = 0
        self.failures: list[Failure] = []
        self.lost: dict[str, int] = {}
        self.last_commit = time.monotonic()

    @property
    def done(self) -> int:
        return self.sealed + self.recovered + self.already + self.failed

    def tick(self) -> None:
        self.progress.update(self.done, self.failed)

    def reject(self, line: int, doc_id: str | None, reason: str) -> None:
        self.ledger.record_problem(self.run_id, line, doc_id, reason)
        self._fail(line, doc_id, reason)

    def _fail(self, line: int, doc_id: str | None, reason: str) -> None:
        self.failed += 1
        if len(self.failures) < 1000:
            self.failures.append(Failure(line, doc_id, reason))

    def decide(self, entry: ManifestEntry) -> Task | None:
        """Record the row as rejected or already sealed, or return the task to seal it."""
        if entry.row is None:
            self.reject(entry.line, entry.raw_id, entry.error or "invalid row")
            return None
        row = entry.row
        digest = row_digest(row)
        record = self.ledger.get(row.id)
        if record is not None and record.run_id == self.run_id:
            self.reject(entry.line, row.id, f"duplicate id {row.id} (first at line {record.line})")
            return None
        if record is not None and record.status == "sealed":
            problem = self._sealed_problem(
                row, digest, record.row_sha256, record.input_sha256, record.output_sha256
            )
            if problem is not None:
                self.ledger.touch(row.id, line=entry.line, run_id=self.run_id)
                self.reject(entry.line, row.id, problem)
                return None
            self.ledger.touch(row.id, line=entry.line, run_id=self.run_id)
            self.already += 1
            return None
        self.ledger.mark_pending(
            row.id,
            line=entry.line,
            row_sha256=digest,
            input_path=None if row.pdf is None else str(row.pdf),
            run_id=self.run_id,
        )
        return Task(entry.line, row)

    def _sealed_problem(
        self,
        row: ManifestRow,
        digest: str,
        sealed_row: str,
        sealed_input: str | None,
        sealed_output: str | None,
    ) -> str | None:
        if digest != sealed_row:
            return (
                f"{row.id} was already sealed from different manifest data; a sealed document is "
                "never re-issued under the same id: give the new version a new id"
            )
        if row.pdf is not None:
            current = _file_sha256(row.pdf)
            if current is not None and current != sealed_input:
                return (
                    f"{row.id} was already sealed from a different {row.pdf.name} (input changed "
                    "since): give the new version a new id"
                )
        output = self.out_dir / output_name(row.id)
        if _file_sha256(output) != sealed_output:
            return (
                f"{output} is missing or differs from the sealed file recorded in the ledger "
                f"(SHA-256 {sealed_output}); restore it from a backup (not re-sealed)"
            )
        return None

    def record(self, outcome: Outcome) -> None:
        if outcome.status == "failed":
            self.ledger.record_failed(
                outcome.id,
                line=outcome.line,
                run_id=self.run_id,
                error=outcome.error or "failed",
                input_sha256=outcome.input_sha256,
            )
            self._fail(outcome.line, outcome.id, outcome.error or "failed")
            return
        assert outcome.output_path is not None
        assert outcome.output_sha256 is not None
        assert outcome.input_sha256 is not None
        recovered = outcome.status == "recovered"
        self.ledger.record_sealed(
            outcome.id,
            line=outcome.line,
            run_id=self.run_id,
            input_sha256=outcome.input_sha256,
            output_path=outcome.output_path,
            output_sha256=outcome.output_sha256,
            twoddoc_id=outcome.twoddoc_id,
            sealed_at=outcome.sealed_at or "",
            level=self.level,
            recovered=recovered,
            detail="adopted the output written before an interruption" if recovered else None,
        )
        if recovered:
            self.recovered += 1
        else:
            self.sealed += 1
            self.fast += outcome.path == "fast"

    def commit(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last_commit > 0.5:
            self.ledger.commit()
            self.ledger.begin()
            self.last_commit = now


def issue_batch(
    profile: IssuerProfile,
    manifest: Path,
    out_dir: Path,
    *,
    jobs: int = 1,
    clock: Callable[[], dt.datetime] | None = None,
    progress: Progress | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    on_workers: Callable[[list[int]], None] | None = None,
) -> BatchSummary:
    """Seal every row of ``manifest`` into ``out_dir`` (see the module docstring).

    ``jobs``: worker processes (1: work in this process). ``clock``: the signing time source
    (tests pin it). ``progress``: a :class:`~sealdoc.issuance.progress.Progress`.
    ``on_workers``: called with the worker pids once they run (tests use it to kill one).

    Raises a :class:`~sealdoc.errors.SealdocError` if the batch cannot start (profile, key,
    certificate, TSA, output folder, another run holding the folder); problems with single
    documents are in the summary and the ledger, never raised.
    """
    if jobs < 1:
        raise SealdocError(f"jobs must be at least 1, not {jobs}")
    clock = clock or _default_clock
    progress = progress or NoProgress()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"{out_dir}: cannot be created ({exc.strerror})") from exc
    if not manifest.is_file():
        raise SealdocError(f"{manifest}: no such manifest file")
    started = time.monotonic()
    with _DirectoryLock(out_dir):
        remove_stale_temporaries(out_dir)
        ledger = Ledger(out_dir / LEDGER_NAME)
        try:
            return _run(
                profile,
                manifest,
                out_dir,
                ledger,
                jobs,
                clock,
                progress,
                chunk_size,
                on_workers,
                started,
            )
        finally:
            ledger.close()


def _run(
    profile: IssuerProfile,
    manifest: Path,
    out_dir: Path,
    ledger: Ledger,
    jobs: int,
    clock: Callable[[], dt.datetime],
    progress: Progress,
    chunk_size: int,
    on_workers: Callable[[list[int]], None] | None,
    started: float,
) -> BatchSummary:
    plan = make_plan(profile, clock())
    level = str(profile.seal.level)
    run_id = ledger.start_run(
        manifest=str(manifest.resolve()),
        profile=str(profile.source.resolve() if profile.source else ""),
        level=level,
        jobs=jobs,
    )
    run = _Run(ledger, run_id, out_dir, progress, level)
    setup = WorkerSetup(profile, plan, out_dir, clock)
    progress.start(count_rows(manifest))
    ledger.begin()
    pool: InlinePool | ProcessPool | None = None
    outcome_label = "interrupted"
    try:
        pool = InlinePool(setup) if jobs == 1 else ProcessPool(setup, jobs)
        if on_workers is not None:
            on_workers(pool.pids)
        next_chunk = 0
        chunk: list[Task] = []

        def handle(events: list[ChunkDone | ChunkLost]) -> None:
            nonlocal next_chunk
            for event in events:
                if isinstance(event, ChunkDone):
                    for outcome in event.outcomes:
                        run.record(outcome)
                    continue
                for task in event.tasks:  # resend one by one: isolate what kills workers
                    count = run.lost[task.row.id] = run.lost.get(task.row.id, 0) + 1
                    if count >= _MAX_LOST:
                        run.record(
                            Outcome(
                                task.row.id,
                                task.line,
                                "failed",
                                error=f"{event.reason} twice while sealing this document",
                            )
                        )
                        continue
                    ledger.event(run_id, task.row.id, task.line, "retried", event.reason)
                    assert pool is not None
                    while not pool.has_capacity():
                        handle(pool.collect(1.0))
                    pool.submit(next_chunk, [task])
                    next_chunk += 1
            run.commit()
            run.tick()

        for entry in read_manifest(manifest):
            task = run.decide(entry)
            if task is None:
                run.tick()
                continue
            chunk.append(task)
            if len(chunk) >= chunk_size:
                while not pool.has_capacity():
                    handle(pool.collect(1.0))
                pool.submit(next_chunk, chunk)
                next_chunk += 1
                chunk = []
                handle(pool.collect(0))
        if chunk:
            while not pool.has_capacity():
                handle(pool.collect(1.0))
            pool.submit(next_chunk, chunk)
        while pool.busy:
            handle(pool.collect(1.0))
        pool.close()
        pool = None
        remove_stale_temporaries(out_dir)  # left by workers killed during this run
        outcome_label = "complete" if run.failed == 0 else "failures"
    except BaseException:
        if isinstance(pool, ProcessPool):
            pool.kill()
        elif pool is not None:
            pool.close()
        raise
    finally:
        counts = RunCounts(run.sealed, run.recovered, run.already, run.failed)
        ledger.finish_run(run_id, counts, outcome_label)
        ledger.commit()
        progress.finish()
    return BatchSummary(
        run_id=run_id,
        rows=run.done,
        sealed=run.sealed,
        recovered=run.recovered,
        already=run.already,
        failed=run.failed,
        elapsed_s=time.monotonic() - started,
        out_dir=out_dir,
        ledger=out_dir / LEDGER_NAME,
        level=level,
        fast=run.fast,
        failures=tuple(sorted(run.failures, key=lambda f: f.line)),
    )
