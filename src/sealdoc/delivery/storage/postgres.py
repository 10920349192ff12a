"""The server backend: PostgreSQL (documents in a table), for several service processes.

Write transactions take a transaction-level advisory lock first, so that evidence log indices
stay dense and each message's evidence is appended in order across processes; the outbox is
claimed with ``FOR UPDATE SKIP LOCKED``. Commits are synchronous (PostgreSQL's default): a
deposit is acknowledged only once its commit record is on disk.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import psycopg

from sealdoc.delivery.storage import Transaction
from sealdoc.delivery.storage._sql import Dialect, SqlTransaction, schema
from sealdoc.errors import StorageError

__all__ = ["PostgresStorage"]

POSTGRES = Dialect(
    name="postgresql",
    placeholder="%s",
    blob="BYTEA",
    bigint="BIGINT",
    serial_pk="BIGSERIAL PRIMARY KEY",
    skip_locked="FOR UPDATE SKIP LOCKED",
)
#: Advisory lock key serialising the writers of the evidence log ("sealdoc" in a 63-bit int).
_LOG_LOCK = 0x5EA1D0C


class _TableContents:
    def put(self, tx: SqlTransaction, message_id: str, data: bytes) -> None:
        tx.execute("INSERT INTO contents (message_id, data) VALUES (?, ?)", (message_id, data))

    def get(self, tx: SqlTransaction, message_id: str) -> bytes | None:
        row = tx.one("SELECT data FROM contents WHERE message_id = ?", (message_id,))
        return None if row is None else bytes(row[0])

    def delete(self, tx: SqlTransaction, message_id: str) -> None:
        tx.execute("DELETE FROM contents WHERE message_id = ?", (message_id,))


class PostgresStorage:
    """PostgreSQL storage at ``dsn``; one connection per thread."""

    name = "postgresql"

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._local = threading.local()
        self._connections: list[psycopg.Connection[tuple[object, ...]]] = []
        self._lock = threading.Lock()
        self._contents = _TableContents()
        with self.transaction() as tx:
            assert isinstance(tx, SqlTransaction)
            for statement in schema(POSTGRES, with_contents=True):
                tx.execute(statement)

    def _connection(self) -> psycopg.Connection[tuple[object, ...]]:
        conn: psycopg.Connection[tuple[object, ...]] | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            try:
                conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=10)
            except psycopg.Error as exc:
                raise StorageError(f"PostgreSQL: cannot connect: {exc}") from exc
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextlib.contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Transaction]:
        conn = self._connection()
        try:
            with conn.transaction(), conn.cursor() as cursor:
                tx = SqlTransaction(cursor, POSTGRES, self._contents)
                if write:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_LOG_LOCK,))
                yield tx
        except psycopg.Error as exc:
            raise StorageError(f"PostgreSQL: {exc}") from exc
        for action in tx.after_commit:
            action()

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            with contextlib.suppress(psycopg.Error):
                conn.close()
        self._local = threading.local()
