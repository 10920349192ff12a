"""The embedded backend: SQLite (WAL, ``synchronous=FULL``) plus documents in atomic files.

Layout of ``data_dir``: ``delivery.sqlite3`` (+ ``-wal``, ``-shm``) and
``documents/<2 hex>/<message id>.pdf``. A document file is written (temporary file, fsync,
rename, directory fsync) inside the transaction, before the commit that records it: after a
crash, either the commit happened and the file is there, or it did not and at worst an
unreferenced file remains. Deletions happen after the commit.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from sealdoc._internal.files import fsync_directory, write_atomic
from sealdoc.delivery.storage import Transaction
from sealdoc.delivery.storage._sql import Dialect, SqlTransaction, schema
from sealdoc.errors import StorageError

__all__ = ["SqliteStorage"]

SQLITE = Dialect(
    name="sqlite",
    placeholder="?",
    blob="BLOB",
    bigint="INTEGER",
    serial_pk="INTEGER PRIMARY KEY AUTOINCREMENT",
    skip_locked="",
)


class _FileContents:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, message_id: str) -> Path:
        if not message_id.replace("_", "").isalnum():
            raise StorageError(f"message id {message_id!r} cannot name a file")
        return self.directory / message_id[-2:] / f"{message_id}.pdf"

    def put(self, tx: SqlTransaction, message_id: str, data: bytes) -> None:  # noqa: ARG002
        path = self._path(message_id)
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
            fsync_directory(path.parent.parent)
        write_atomic(path, data, mode=0o600)

    def get(self, tx: SqlTransaction, message_id: str) -> bytes | None:  # noqa: ARG002
        try:
            return self._path(message_id).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageError(f"document {message_id} cannot be read ({exc.strerror})") from exc

    def delete(self, tx: SqlTransaction, message_id: str) -> None:
        path = self._path(message_id)

        def unlink() -> None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                fsync_directory(path.parent)

        tx.after_commit.append(unlink)


class SqliteStorage:
    """SQLite storage in ``data_dir``; one connection per thread."""

    name = "sqlite"

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"{self.data_dir}: cannot be created ({exc.strerror})") from exc
        self.path = self.data_dir / "delivery.sqlite3"
        self._contents = _FileContents(self.data_dir / "documents")
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        with self._errors("create the schema"):
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            for statement in schema(SQLITE, with_contents=False):
                conn.execute(statement)
            conn.execute("COMMIT")

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextlib.contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StorageError(f"SQLite ({self.path}): cannot {what}: {exc}") from exc

    @contextlib.contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Transaction]:
        conn = self._connection()
        with self._errors("begin a transaction"):
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        tx = SqlTransaction(conn.cursor(), SQLITE, self._contents)
        try:
            yield tx
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        with self._errors("commit"):
            try:
                conn.execute("COMMIT")
            except sqlite3.Error:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
        for action in tx.after_commit:
            action()

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()
