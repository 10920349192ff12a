"""The issuance ledger: what was sealed, from what, when, and what went wrong (SQLite, WAL).

One file, ``ledger.sqlite`` in the output folder. Tables:

``documents``
    one row per document id: ``status`` (``pending``, ``sealed``, ``failed``), manifest
    ``line``, ``input_path``, ``input_sha256`` (the PDF that was sealed: the given file or the
    rendered notice), ``row_sha256`` (the manifest row, canonical JSON), ``output_path``,
    ``output_sha256``, ``twoddoc_id`` (SHA-256 of the 2D-Doc code bytes), ``sealed_at`` (the
    signing time, ISO 8601 UTC), ``level``, ``error``, ``run_id``, ``attempts``.
``events``
    append-only history: every seal, recovery, failure and skip, with run and line.
``problems``
    rows that could not be identified (bad JSON, no valid id), by run and line.
``runs``
    one row per ``sealdoc issue`` run, with its counts.

The ledger is written by one process (the batch coordinator). A document is marked sealed only
after its output file is durably in place, so after a crash the ledger may lag behind the
output folder, never the reverse; the runner reconciles the two on the next run.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sealdoc.errors import StorageError

__all__ = ["LEDGER_NAME", "DocumentRecord", "Ledger", "RunCounts"]

LEDGER_NAME = "ledger.sqlite"
_SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    manifest TEXT NOT NULL,
    profile TEXT NOT NULL,
    level TEXT NOT NULL,
    jobs INTEGER NOT NULL,
    sealed INTEGER NOT NULL DEFAULT 0,
    recovered INTEGER NOT NULL DEFAULT 0,
    already INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    outcome TEXT
);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sealed', 'failed')),
    line INTEGER NOT NULL,
    input_path TEXT,
    input_sha256 TEXT,
    row_sha256 TEXT NOT NULL,
    output_path TEXT,
    output_sha256 TEXT,
    twoddoc_id TEXT,
    sealed_at TEXT,
    level TEXT,
    error TEXT,
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    attempts INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_status ON documents(status);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    id TEXT,
    line INTEGER,
    event TEXT NOT NULL,
    detail TEXT,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_id ON events(id);
CREATE TABLE IF NOT EXISTS problems (
    run_id INTEGER NOT NULL,
    line INTEGER NOT NULL,
    id TEXT,
    reason TEXT NOT NULL,
    PRIMARY KEY (run_id, line)
);
"""

Status = Literal["pending", "sealed", "failed"]


@dataclass(frozen=True)
class DocumentRecord:
    id: str
    status: Status
    line: int
    input_path: str | None
    input_sha256: str | None
    row_sha256: str
    output_path: str | None
    output_sha256: str | None
    twoddoc_id: str | None
    sealed_at: str | None
    level: str | None
    error: str | None
    run_id: int
    attempts: int


@dataclass(frozen=True)
class RunCounts:
    sealed: int
    recovered: int
    already: int
    failed: int


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class Ledger:
    """The ledger of one output folder (see the module docstring). Not thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, isolation_level=None, timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is None:
                self._db.execute(
                    "INSERT INTO meta(key, value) VALUES ('schema', ?)", (str(_SCHEMA_VERSION),)
                )
            elif row[0] != str(_SCHEMA_VERSION):
                raise StorageError(
                    f"{path}: ledger schema version {row[0]}, this sealdoc reads version "
                    f"{_SCHEMA_VERSION}"
                )
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"{path}: the issuance ledger cannot be opened ({exc})") from exc
        self._in_transaction = False

    # -- transactions -------------------------------------------------------------------------
    def begin(self) -> None:
        if not self._in_transaction:
            self._execute("BEGIN IMMEDIATE")
            self._in_transaction = True

    def commit(self) -> None:
        if self._in_transaction:
            self._execute("COMMIT")
            self._in_transaction = False

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self._db.close()

    def _execute(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            raise StorageError(
                f"{self.path}: the issuance ledger cannot be written ({exc})"
            ) from exc

    # -- runs ---------------------------------------------------------------------------------
    def start_run(self, *, manifest: str, profile: str, level: str, jobs: int) -> int:
        cursor = self._execute(
            "INSERT INTO runs(started_at, manifest, profile, level, jobs) VALUES (?, ?, ?, ?, ?)",
            (_now(), manifest, profile, level, jobs),
        )
        assert cursor.lastrowid is not None
        return int(cursor.lastrowid)

    def finish_run(self, run_id: int, counts: RunCounts, outcome: str) -> None:
        self._execute(
            "UPDATE runs SET finished_at=?, sealed=?, recovered=?, already=?, failed=?, outcome=? "
            "WHERE run_id=?",
            (
                _now(),
                counts.sealed,
                counts.recovered,
                counts.already,
                counts.failed,
                outcome,
                run_id,
            ),
        )

    # -- documents ----------------------------------------------------------------------------
    def get(self, doc_id: str) -> DocumentRecord | None:
        row = self._execute(
            "SELECT id, status, line, input_path, input_sha256, row_sha256, output_path, "
            "output_sha256, twoddoc_id, sealed_at, level, error, run_id, attempts "
            "FROM documents WHERE id=?",
            (doc_id,),
        ).fetchone()
        return None if row is None else DocumentRecord(*row)

    def documents(self) -> Iterator[DocumentRecord]:
        cursor = self._execute(
            "SELECT id, status, line, input_path, input_sha256, row_sha256, output_path, "
            "output_sha256, twoddoc_id, sealed_at, level, error, run_id, attempts "
            "FROM documents ORDER BY line"
        )
        for row in cursor:
            yield DocumentRecord(*row)

    def mark_pending(
        self, doc_id: str, *, line: int, row_sha256: str, input_path: str | None, run_id: int
    ) -> None:
        self._execute(
            "INSERT INTO documents(id, status, line, input_path, row_sha256, run_id, attempts, "
            "updated_at) VALUES (?, 'pending', ?, ?, ?, ?, 0, ?) "
            "ON CONFLICT(id) DO UPDATE SET status=CASE WHEN status='sealed' THEN status "
            "ELSE 'pending' END, line=excluded.line, input_path=excluded.input_path, "
            "row_sha256=CASE WHEN status='sealed' THEN row_sha256 ELSE excluded.row_sha256 END, "
            "run_id=excluded.run_id, error=NULL, updated_at=excluded.updated_at",
            (doc_id, line, input_path, row_sha256, run_id, _now()),
        )

    def touch(self, doc_id: str, *, line: int, run_id: int) -> None:
        """Note that ``doc_id`` (already sealed) is row ``line`` of run ``run_id``."""
        self._execute(
            "UPDATE documents SET line=?, run_id=?, updated_at=? WHERE id=?",
            (line, run_id, _now(), doc_id),
        )

    def record_sealed(
        self,
        doc_id: str,
        *,
        line: int,
        run_id: int,
        input_sha256: str,
        output_path: str,
        output_sha256: str,
        twoddoc_id: str | None,
        sealed_at: str,
        level: str,
        recovered: bool,
        detail: str | None = None,
    ) -> None:
        self._execute(
            "UPDATE documents SET status='sealed', input_sha256=?, output_path=?, "
            "output_sha256=?, twoddoc_id=?, sealed_at=?, level=?, error=NULL, "
            "attempts=attempts+1, updated_at=? WHERE id=?",
            (
                input_sha256,
                output_path,
                output_sha256,
                twoddoc_id,
                sealed_at,
                level,
                _now(),
                doc_id,
            ),
        )
        self.event(run_id, doc_id, line, "recovered" if recovered else "sealed", detail)

    def record_failed(
        self, doc_id: str, *, line: int, run_id: int, error: str, input_sha256: str | None = None
    ) -> None:
        self._execute(
            "UPDATE documents SET status='failed', error=?, input_sha256=COALESCE(?, "
            "input_sha256), attempts=attempts+1, updated_at=? WHERE id=? AND status!='sealed'",
            (error, input_sha256, _now(), doc_id),
        )
        self.event(run_id, doc_id, line, "failed", error)

    def event(
        self, run_id: int, doc_id: str | None, line: int | None, event: str, detail: str | None
    ) -> None:
        self._execute(
            "INSERT INTO events(run_id, id, line, event, detail, at) VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, doc_id, line, event, detail, _now()),
        )

    def record_problem(self, run_id: int, line: int, doc_id: str | None, reason: str) -> None:
        self._execute(
            "INSERT OR REPLACE INTO problems(run_id, line, id, reason) VALUES (?, ?, ?, ?)",
            (run_id, line, doc_id, reason),
        )
        self.event(run_id, doc_id, line, "rejected", reason)

    def problems(self, run_id: int) -> list[tuple[int, str | None, str]]:
        rows = self._execute(
            "SELECT line, id, reason FROM problems WHERE run_id=? ORDER BY line", (run_id,)
        ).fetchall()
        return [(int(line), doc_id, str(reason)) for line, doc_id, reason in rows]

    def failures(self, run_id: int) -> list[tuple[int, str, str]]:
        rows = self._execute(
            "SELECT line, id, error FROM documents WHERE run_id=? AND status='failed' "
            "ORDER BY line",
            (run_id,),
        ).fetchall()
        return [(int(line), str(doc_id), str(error)) for line, doc_id, error in rows]

    def count_events(self, doc_id: str, *events: str) -> int:
        marks = ", ".join("?" for _ in events)
        row = self._execute(
            f"SELECT COUNT(*) FROM events WHERE id=? AND event IN ({marks})",  # noqa: S608
            (doc_id, *events),
        ).fetchone()
        return int(row[0])
