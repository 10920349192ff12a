"""Worker processes for a batch, and how the coordinator learns that one died.

Each worker is a forked process that loads its own keys (a PKCS#11 session does not survive a
fork), then seals the chunks it receives over a pipe and sends back their outcomes. The
coordinator waits on the pipes *and* on the processes' sentinels: a worker that dies (killed,
out of memory) is noticed at once, its unfinished chunks are handed back as
:class:`ChunkLost`, and a new worker takes its place.

Workers die with the coordinator (``PR_SET_PDEATHSIG``): a ``kill -9`` of ``sealdoc issue``
leaves no orphan still writing into the output folder, so the next run can start at once.
With ``jobs == 1`` everything runs in the coordinator's process (:class:`InlinePool`).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from sealdoc.errors import SealdocError, SealingError
from sealdoc.issuance.profile import IssuerProfile
from sealdoc.issuance.sealing.sealer import SealPlan
from sealdoc.issuance.work import Clock, Outcome, Task, Worker

__all__ = ["ChunkDone", "ChunkLost", "InlinePool", "ProcessPool", "WorkerSetup"]

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class WorkerSetup:
    profile: IssuerProfile
    plan: SealPlan
    out_dir: Path
    clock: Clock


@dataclass(frozen=True)
class ChunkDone:
    chunk_id: int
    outcomes: list[Outcome]


@dataclass(frozen=True)
class ChunkLost:
    chunk_id: int
    tasks: list[Task]
    reason: str


Event = ChunkDone | ChunkLost


class InlinePool:
    """One worker, in this process."""

    def __init__(self, setup: WorkerSetup) -> None:
        self._worker = Worker(setup.profile, setup.plan, setup.out_dir, setup.clock)
        self._done: list[Event] = []
        self.pids: list[int] = [os.getpid()]

    def has_capacity(self) -> bool:
        return not self._done

    @property
    def busy(self) -> bool:
        return bool(self._done)

    def submit(self, chunk_id: int, tasks: list[Task]) -> None:
        self._done.append(ChunkDone(chunk_id, self._worker.process(tasks)))

    def collect(self, timeout: float | None = None) -> list[Event]:  # noqa: ARG002
        done, self._done = self._done, []
        return done

    def close(self) -> None:
        self._worker.close()


@dataclass
class _Process:
    process: BaseProcess
    conn: Connection
    chunks: dict[int, list[Task]] = field(default_factory=dict)


class ProcessPool:
    """``jobs`` worker processes, each with up to ``per_worker`` chunks in flight."""

    def __init__(self, setup: WorkerSetup, jobs: int, *, per_worker: int = 2) -> None:
        self.setup = setup
        self.jobs = jobs
        self.per_worker = per_worker
        self.deaths = 0
        self._context = multiprocessing.get_context("fork")
        self._workers: list[_Process] = []
        for _ in range(jobs):
            self._workers.append(self._spawn())

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    def _spawn(self) -> _Process:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_worker_main,
            args=(child, self.setup, os.getpid()),
            name="sealdoc-issue-worker",
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Process(process, parent)
        try:
            message = parent.recv() if parent.poll(120) else ("fatal", "worker did not start")
        except EOFError:
            message = ("fatal", f"worker exited at start-up (status {process.exitcode})")
        if message[0] != "ready":
            self._stop(worker)
            raise SealingError(f"a worker process could not start: {message[1]}")
        return worker

    def has_capacity(self) -> bool:
        return any(len(w.chunks) < self.per_worker for w in self._workers)

    @property
    def busy(self) -> bool:
        return any(w.chunks for w in self._workers)

    def submit(self, chunk_id: int, tasks: list[Task]) -> None:
        worker = min(self._workers, key=lambda w: len(w.chunks))
        worker.chunks[chunk_id] = tasks
        # if it died, collect() notices through its sentinel and hands the chunk back
        with contextlib.suppress(BrokenPipeError, OSError):
            worker.conn.send((chunk_id, tasks))

    def collect(self, timeout: float | None = None) -> list[Event]:
        """Wait up to ``timeout`` for results or deaths; return what happened."""
        handles: dict[object, _Process] = {}
        for worker in self._workers:
            handles[worker.conn] = worker
            handles[worker.process.sentinel] = worker
        events: list[Event] = []
        waitables: list[Connection | int] = []
        for worker in self._workers:
            waitables += [worker.conn, worker.process.sentinel]
        for ready in wait(waitables, timeout):
            worker = handles[ready]
            if worker not in self._workers:
                continue
            if ready is worker.conn:
                try:
                    while worker.conn.poll():
                        kind, chunk_id, payload = worker.conn.recv()
                        tasks = worker.chunks.pop(chunk_id)
                        if kind == "done":
                            events.append(ChunkDone(chunk_id, payload))
                        else:
                            events.append(ChunkLost(chunk_id, tasks, str(payload)))
                    continue
                except (EOFError, OSError):
                    pass
            events.extend(self._replace(worker))
        return events

    def _replace(self, worker: _Process) -> list[Event]:
        worker.process.join(5)
        code = worker.process.exitcode
        if code is not None and code < 0:
            try:
                reason = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                reason = f"killed by signal {-code}"
        else:
            reason = f"exited with status {code}"
        lost = [
            ChunkLost(chunk_id, tasks, f"the worker process (pid {worker.process.pid}) {reason}")
            for chunk_id, tasks in worker.chunks.items()
        ]
        self._workers.remove(worker)
        worker.conn.close()
        self.deaths += 1
        if self.deaths > 3 * self.jobs + 5:
            raise SealingError(
                f"worker processes keep dying ({self.deaths} so far, last {reason}); stopping "
                "the batch: run the same command again to resume"
            )
        self._workers.append(self._spawn())
        return list(lost)

    def close(self) -> None:
        for worker in self._workers:
            with contextlib.suppress(OSError, BrokenPipeError):
                worker.conn.send(None)
        deadline = time.monotonic() + 30
        for worker in self._workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            self._stop(worker)
        self._workers = []

    def kill(self) -> None:
        for worker in self._workers:
            self._stop(worker)
        self._workers = []

    @staticmethod
    def _stop(worker: _Process) -> None:
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(5)
        with contextlib.suppress(OSError):
            worker.conn.close()


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no orphans after kill -9)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)


def _worker_main(conn: Connection, setup: WorkerSetup, parent_pid: int) -> None:
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's to handle
    try:
        worker = Worker(setup.profile, setup.plan, setup.out_dir, setup.clock)
    except SealdocError as exc:
        conn.send(("fatal", str(exc)))
        return
    conn.send(("ready", os.getpid()))
    try:
        while True:
            try:
                message = conn.recv()
            except EOFError:
                return
            if message is None:
                return
            chunk_id, tasks = message
            try:
                conn.send(("done", chunk_id, worker.process(tasks)))
            except SealdocError as exc:
                conn.send(("lost", chunk_id, str(exc)))
    finally:
        worker.close()
