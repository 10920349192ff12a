# ruff: noqa: S608 - queries interpolate only the constant column lists below, never input
"""The SQL shared by both backends: schema and one :class:`SqlTransaction` over DB-API cursors.

Queries are written with ``?`` placeholders; :class:`Dialect` adapts them (PostgreSQL: ``%s``).
Times are integers (microseconds since the epoch, UTC), so they compare the same everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sealdoc.delivery.model import (
    Channel,
    Confirmation,
    ConfirmationPurpose,
    Domicile,
    DomicileChange,
    DomicileStatus,
    Link,
    Message,
    MessageState,
    Notification,
    NotificationKind,
    NotificationStatus,
    RecipientId,
)
from sealdoc.delivery.storage import StoredEvidence

__all__ = ["ContentStore", "Dialect", "SqlTransaction", "from_us", "schema", "to_us"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def to_us(value: dt.datetime) -> int:
    delta = value.astimezone(dt.UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(value: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=value)


def _opt_us(value: dt.datetime | None) -> int | None:
    return None if value is None else to_us(value)


def _opt_dt(value: int | None) -> dt.datetime | None:
    return None if value is None else from_us(value)


@dataclass(frozen=True)
class Dialect:
    name: str
    placeholder: str  # "?" or "%s"
    blob: str  # BLOB / BYTEA
    bigint: str  # INTEGER / BIGINT
    serial_pk: str  # INTEGER PRIMARY KEY AUTOINCREMENT / BIGSERIAL PRIMARY KEY
    skip_locked: str  # "" / "FOR UPDATE SKIP LOCKED"

    def sql(self, query: str) -> str:
        return query if self.placeholder == "?" else query.replace("?", self.placeholder)


def schema(d: Dialect, *, with_contents: bool) -> list[str]:
    statements = [
        f"""CREATE TABLE IF NOT EXISTS domiciles (
            id TEXT PRIMARY KEY, scheme TEXT NOT NULL, rid TEXT NOT NULL,
            channel TEXT NOT NULL, address TEXT NOT NULL, status TEXT NOT NULL,
            declared_at {d.bigint} NOT NULL, confirmed_at {d.bigint}, webhook_secret TEXT,
            forward_to TEXT, pending_forward_to TEXT)""",
        "CREATE INDEX IF NOT EXISTS domiciles_recipient ON domiciles (scheme, rid)",
        f"""CREATE TABLE IF NOT EXISTS confirmations (
            code_hash TEXT PRIMARY KEY, domicile_id TEXT NOT NULL, purpose TEXT NOT NULL,
            address TEXT NOT NULL, expires_at {d.bigint} NOT NULL, used_at {d.bigint})""",
        "CREATE INDEX IF NOT EXISTS confirmations_domicile ON confirmations (domicile_id)",
        f"""CREATE TABLE IF NOT EXISTS domicile_history (
            seq {d.serial_pk}, scheme TEXT NOT NULL, rid TEXT NOT NULL,
            at {d.bigint} NOT NULL, action TEXT NOT NULL, domicile_id TEXT NOT NULL,
            detail TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS domicile_history_recipient ON domicile_history (scheme, rid)",
        f"""CREATE TABLE IF NOT EXISTS messages (
            id TEXT PRIMARY KEY, agency_id TEXT NOT NULL, scheme TEXT NOT NULL,
            rid TEXT NOT NULL, title TEXT NOT NULL, filename TEXT NOT NULL,
            sha256 TEXT NOT NULL, size {d.bigint} NOT NULL, deposited_at {d.bigint} NOT NULL,
            available_until {d.bigint} NOT NULL, retain_until {d.bigint} NOT NULL,
            state TEXT NOT NULL, handed_over_at {d.bigint}, content_deleted_at {d.bigint})""",
        "CREATE INDEX IF NOT EXISTS messages_recipient ON messages (scheme, rid, state)",
        "CREATE INDEX IF NOT EXISTS messages_window ON messages (state, available_until)",
        "CREATE INDEX IF NOT EXISTS messages_retention ON messages (content_deleted_at, "
        "retain_until)",
        f"""CREATE TABLE IF NOT EXISTS links (
            token_hash TEXT PRIMARY KEY, message_id TEXT NOT NULL UNIQUE,
            created_at {d.bigint} NOT NULL, expires_at {d.bigint} NOT NULL,
            revoked_at {d.bigint}, page_views {d.bigint} NOT NULL DEFAULT 0)""",
        f"""CREATE TABLE IF NOT EXISTS evidence (
            idx {d.bigint} PRIMARY KEY, evidence_id TEXT NOT NULL UNIQUE,
            message_id TEXT NOT NULL, event TEXT NOT NULL, event_time {d.bigint} NOT NULL,
            leaf {d.blob} NOT NULL, leaf_hash {d.blob} NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS evidence_message ON evidence (message_id, idx)",
        f"""CREATE TABLE IF NOT EXISTS checkpoints (
            size {d.bigint} PRIMARY KEY, created_at {d.bigint} NOT NULL, body TEXT NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS notifications (
            id TEXT PRIMARY KEY, kind TEXT NOT NULL, channel TEXT NOT NULL,
            address TEXT NOT NULL, created_at {d.bigint} NOT NULL,
            next_attempt_at {d.bigint} NOT NULL, message_id TEXT, domicile_id TEXT,
            payload TEXT, status TEXT NOT NULL, attempts {d.bigint} NOT NULL,
            last_error TEXT, lease_until {d.bigint})""",
        "CREATE INDEX IF NOT EXISTS notifications_due ON notifications (status, next_attempt_at)",
        "CREATE INDEX IF NOT EXISTS notifications_message ON notifications (message_id)",
    ]
    if with_contents:
        statements.append(
            f"CREATE TABLE IF NOT EXISTS contents (message_id TEXT PRIMARY KEY, "
            f"data {d.blob} NOT NULL)"
        )
    return statements


class Cursor(Protocol):
    def execute(self, query: Any, params: Sequence[Any] = ..., /) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class ContentStore(Protocol):
    """Where documents go: files (SQLite backend) or a table (PostgreSQL backend)."""

    def put(self, tx: SqlTransaction, message_id: str, data: bytes) -> None: ...
    def get(self, tx: SqlTransaction, message_id: str) -> bytes | None: ...
    def delete(self, tx: SqlTransaction, message_id: str) -> None: ...


_DOMICILE_COLS = (
    "id, scheme, rid, channel, address, status, declared_at, confirmed_at, webhook_secret, "
    "forward_to, pending_forward_to"
)
_MESSAGE_COLS = (
    "id, agency_id, scheme, rid, title, filename, sha256, size, deposited_at, available_until, "
    "retain_until, state, handed_over_at, content_deleted_at"
)
_LINK_COLS = "token_hash, message_id, created_at, expires_at, revoked_at, page_views"
_EVIDENCE_COLS = "idx, evidence_id, message_id, event, event_time, leaf, leaf_hash"
_NOTIFICATION_COLS = (
    "id, kind, channel, address, created_at, next_attempt_at, message_id, domicile_id, "
    "payload, status, attempts, last_error, lease_until"
)


def _placeholders(columns: str) -> str:
    return ", ".join("?" for _ in columns.split(","))


def _assignments(columns: str) -> str:
    return ", ".join(f"{c.strip()} = ?" for c in columns.split(",")[1:])


class SqlTransaction:
    """Implements :class:`sealdoc.delivery.storage.Transaction` over one DB-API cursor."""

    def __init__(self, cursor: Cursor, dialect: Dialect, content: ContentStore) -> None:
        self.cursor = cursor
        self.dialect = dialect
        self._content = content
        self.after_commit: list[Callable[[], None]] = []

    # -- plumbing ---------------------------------------------------------------------------
    def execute(self, query: str, params: Sequence[Any] = ()) -> Any:
        return self.cursor.execute(self.dialect.sql(query), tuple(params))

    def one(self, query: str, params: Sequence[Any] = ()) -> Any:
        self.execute(query, params)
        return self.cursor.fetchone()

    def all(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
        self.execute(query, params)
        return list(self.cursor.fetchall())

    # -- domiciles --------------------------------------------------------------------------
    @staticmethod
    def _domicile_row(d: Domicile) -> tuple[Any, ...]:
        return (
            d.id, d.recipient.scheme, d.recipient.id, d.channel.value, d.address, d.status.value,
            to_us(d.declared_at), _opt_us(d.confirmed_at), d.webhook_secret, d.forward_to,
            d.pending_forward_to,
        )  # fmt: skip

    @staticmethod
    def _domicile(row: Sequence[Any]) -> Domicile:
        return Domicile(
            id=row[0], recipient=RecipientId(row[1], row[2]), channel=Channel(row[3]),
            address=row[4], status=DomicileStatus(row[5]), declared_at=from_us(row[6]),
            confirmed_at=_opt_dt(row[7]), webhook_secret=row[8], forward_to=row[9],
            pending_forward_to=row[10],
        )  # fmt: skip

    def insert_domicile(self, domicile: Domicile) -> None:
        self.execute(
            f"INSERT INTO domiciles ({_DOMICILE_COLS}) VALUES ({_placeholders(_DOMICILE_COLS)})",
            self._domicile_row(domicile),
        )

    def update_domicile(self, domicile: Domicile) -> None:
        row = self._domicile_row(domicile)
        self.execute(
            f"UPDATE domiciles SET {_assignments(_DOMICILE_COLS)} WHERE id = ?", (*row[1:], row[0])
        )

    def get_domicile(self, domicile_id: str) -> Domicile | None:
        row = self.one(f"SELECT {_DOMICILE_COLS} FROM domiciles WHERE id = ?", (domicile_id,))
        return None if row is None else self._domicile(row)

    def domiciles_of(self, recipient: RecipientId) -> list[Domicile]:
        rows = self.all(
            f"SELECT {_DOMICILE_COLS} FROM domiciles WHERE scheme = ? AND rid = ? "
            "ORDER BY declared_at, id",
            (recipient.scheme, recipient.id),
        )
        return [self._domicile(r) for r in rows]

    def add_change(self, change: DomicileChange) -> None:
        self.execute(
            "INSERT INTO domicile_history (scheme, rid, at, action, domicile_id, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (change.recipient.scheme, change.recipient.id, to_us(change.at), change.action,
             change.domicile_id, change.detail),
        )  # fmt: skip

    def changes_of(self, recipient: RecipientId) -> list[DomicileChange]:
        rows = self.all(
            "SELECT at, action, domicile_id, detail FROM domicile_history "
            "WHERE scheme = ? AND rid = ? ORDER BY seq",
            (recipient.scheme, recipient.id),
        )
        return [DomicileChange(recipient, from_us(r[0]), r[1], r[2], r[3]) for r in rows]

    def insert_confirmation(self, confirmation: Confirmation) -> None:
        c = confirmation
        self.execute(
            "INSERT INTO confirmations (code_hash, domicile_id, purpose, address, expires_at, "
            "used_at) VALUES (?, ?, ?, ?, ?, ?)",
            (c.code_hash, c.domicile_id, c.purpose.value, c.address, to_us(c.expires_at),
             _opt_us(c.used_at)),
        )  # fmt: skip

    def confirmations_of(self, domicile_id: str) -> list[Confirmation]:
        rows = self.all(
            "SELECT code_hash, domicile_id, purpose, address, expires_at, used_at "
            "FROM confirmations WHERE domicile_id = ? ORDER BY expires_at",
            (domicile_id,),
        )
        return [
            Confirmation(r[0], r[1], ConfirmationPurpose(r[2]), r[3], from_us(r[4]), _opt_dt(r[5]))
            for r in rows
        ]

    def update_confirmation(self, confirmation: Confirmation) -> None:
        self.execute(
            "UPDATE confirmations SET used_at = ?, expires_at = ? WHERE code_hash = ?",
            (_opt_us(confirmation.used_at), to_us(confirmation.expires_at),
             confirmation.code_hash),
        )  # fmt: skip

    # -- messages ---------------------------------------------------------------------------
    @staticmethod
    def _message_row(m: Message) -> tuple[Any, ...]:
        return (
            m.id, m.agency_id, m.recipient.scheme, m.recipient.id, m.title, m.filename, m.sha256,
            m.size, to_us(m.deposited_at), to_us(m.available_until), to_us(m.retain_until),
            m.state.value, _opt_us(m.handed_over_at), _opt_us(m.content_deleted_at),
        )  # fmt: skip

    @staticmethod
    def _message(r: Sequence[Any]) -> Message:
        return Message(
            id=r[0], agency_id=r[1], recipient=RecipientId(r[2], r[3]), title=r[4],
            filename=r[5], sha256=r[6], size=int(r[7]), deposited_at=from_us(r[8]),
            available_until=from_us(r[9]), retain_until=from_us(r[10]),
            state=MessageState(r[11]), handed_over_at=_opt_dt(r[12]),
            content_deleted_at=_opt_dt(r[13]),
        )  # fmt: skip

    def insert_message(self, message: Message) -> None:
        self.execute(
            f"INSERT INTO messages ({_MESSAGE_COLS}) VALUES ({_placeholders(_MESSAGE_COLS)})",
            self._message_row(message),
        )

    def update_message(self, message: Message) -> None:
        row = self._message_row(message)
        self.execute(
            f"UPDATE messages SET {_assignments(_MESSAGE_COLS)} WHERE id = ?", (*row[1:], row[0])
        )

    def get_message(self, message_id: str) -> Message | None:
        row = self.one(f"SELECT {_MESSAGE_COLS} FROM messages WHERE id = ?", (message_id,))
        return None if row is None else self._message(row)

    def messages_of(self, recipient: RecipientId, states: Sequence[MessageState]) -> list[Message]:
        if not states:
            return []
        marks = ", ".join("?" for _ in states)
        rows = self.all(
            f"SELECT {_MESSAGE_COLS} FROM messages WHERE scheme = ? AND rid = ? "
            f"AND state IN ({marks}) ORDER BY deposited_at, id",
            (recipient.scheme, recipient.id, *(s.value for s in states)),
        )
        return [self._message(r) for r in rows]

    def messages_to_expire(self, at: dt.datetime, limit: int) -> list[Message]:
        rows = self.all(
            f"SELECT {_MESSAGE_COLS} FROM messages WHERE state = ? AND available_until <= ? "
            "ORDER BY available_until LIMIT ?",
            (MessageState.AVAILABLE.value, to_us(at), limit),
        )
        return [self._message(r) for r in rows]

    def messages_to_purge(self, at: dt.datetime, limit: int) -> list[Message]:
        rows = self.all(
            f"SELECT {_MESSAGE_COLS} FROM messages WHERE content_deleted_at IS NULL "
            "AND retain_until <= ? AND state <> ? ORDER BY retain_until LIMIT ?",
            (to_us(at), MessageState.REJECTED.value, limit),
        )
        return [self._message(r) for r in rows]

    # -- links ------------------------------------------------------------------------------
    @staticmethod
    def _link(r: Sequence[Any]) -> Link:
        return Link(r[0], r[1], from_us(r[2]), from_us(r[3]), _opt_dt(r[4]), int(r[5]))

    def insert_link(self, link: Link) -> None:
        self.execute(
            f"INSERT INTO links ({_LINK_COLS}) VALUES ({_placeholders(_LINK_COLS)})",
            (link.token_hash, link.message_id, to_us(link.created_at), to_us(link.expires_at),
             _opt_us(link.revoked_at), link.page_views),
        )  # fmt: skip

    def update_link(self, link: Link) -> None:
        self.execute(
            "UPDATE links SET expires_at = ?, revoked_at = ?, page_views = ? WHERE token_hash = ?",
            (to_us(link.expires_at), _opt_us(link.revoked_at), link.page_views, link.token_hash),
        )

    def link_by_hash(self, token_hash: str) -> Link | None:
        row = self.one(f"SELECT {_LINK_COLS} FROM links WHERE token_hash = ?", (token_hash,))
        return None if row is None else self._link(row)

    def link_of(self, message_id: str) -> Link | None:
        row = self.one(f"SELECT {_LINK_COLS} FROM links WHERE message_id = ?", (message_id,))
        return None if row is None else self._link(row)

    # -- documents --------------------------------------------------------------------------
    def put_content(self, message_id: str, data: bytes) -> None:
        self._content.put(self, message_id, data)

    def get_content(self, message_id: str) -> bytes | None:
        return self._content.get(self, message_id)

    def delete_content(self, message_id: str) -> None:
        self._content.delete(self, message_id)

    # -- evidence log -----------------------------------------------------------------------
    @staticmethod
    def _evidence(r: Sequence[Any]) -> StoredEvidence:
        return StoredEvidence(int(r[0]), r[1], r[2], r[3], from_us(r[4]), bytes(r[5]), bytes(r[6]))

    def log_size(self) -> int:
        row = self.one("SELECT COALESCE(MAX(idx) + 1, 0) FROM evidence")
        return int(row[0])

    def last_evidence_of(self, message_id: str) -> StoredEvidence | None:
        row = self.one(
            f"SELECT {_EVIDENCE_COLS} FROM evidence WHERE message_id = ? ORDER BY idx DESC LIMIT 1",
            (message_id,),
        )
        return None if row is None else self._evidence(row)

    def insert_evidence(self, evidence: StoredEvidence) -> None:
        e = evidence
        self.execute(
            f"INSERT INTO evidence ({_EVIDENCE_COLS}) VALUES ({_placeholders(_EVIDENCE_COLS)})",
            (e.index, e.evidence_id, e.message_id, e.event, to_us(e.event_time), e.leaf,
             e.leaf_hash),
        )  # fmt: skip

    def evidence_of(self, message_id: str) -> list[StoredEvidence]:
        rows = self.all(
            f"SELECT {_EVIDENCE_COLS} FROM evidence WHERE message_id = ? ORDER BY idx",
            (message_id,),
        )
        return [self._evidence(r) for r in rows]

    def evidence_by_id(self, evidence_id: str) -> StoredEvidence | None:
        row = self.one(
            f"SELECT {_EVIDENCE_COLS} FROM evidence WHERE evidence_id = ?", (evidence_id,)
        )
        return None if row is None else self._evidence(row)

    def leaf_hashes(self, size: int) -> list[bytes]:
        rows = self.all("SELECT leaf_hash FROM evidence WHERE idx < ? ORDER BY idx", (size,))
        return [bytes(r[0]) for r in rows]

    def latest_checkpoint(self) -> str | None:
        row = self.one("SELECT body FROM checkpoints ORDER BY size DESC LIMIT 1")
        return None if row is None else str(row[0])

    def checkpoint_for(self, size: int) -> str | None:
        row = self.one("SELECT body FROM checkpoints WHERE size = ?", (size,))
        return None if row is None else str(row[0])

    def insert_checkpoint(self, size: int, at: dt.datetime, body: str) -> None:
        if self.checkpoint_for(size) is None:
            self.execute(
                "INSERT INTO checkpoints (size, created_at, body) VALUES (?, ?, ?)",
                (size, to_us(at), body),
            )

    # -- outbox -----------------------------------------------------------------------------
    @staticmethod
    def _notification_row(n: Notification) -> tuple[Any, ...]:
        return (
            n.id, n.kind.value, n.channel.value, n.address, to_us(n.created_at),
            to_us(n.next_attempt_at), n.message_id, n.domicile_id, n.payload, n.status.value,
            n.attempts, n.last_error, _opt_us(n.lease_until),
        )  # fmt: skip

    @staticmethod
    def _notification(r: Sequence[Any]) -> Notification:
        return Notification(
            id=r[0], kind=NotificationKind(r[1]), channel=Channel(r[2]), address=r[3],
            created_at=from_us(r[4]), next_attempt_at=from_us(r[5]), message_id=r[6],
            domicile_id=r[7], payload=r[8], status=NotificationStatus(r[9]),
            attempts=int(r[10]), last_error=r[11], lease_until=_opt_dt(r[12]),
        )  # fmt: skip

    def insert_notification(self, notification: Notification) -> None:
        self.execute(
            f"INSERT INTO notifications ({_NOTIFICATION_COLS}) "
            f"VALUES ({_placeholders(_NOTIFICATION_COLS)})",
            self._notification_row(notification),
        )

    def update_notification(self, notification: Notification) -> None:
        row = self._notification_row(notification)
        self.execute(
            f"UPDATE notifications SET {_assignments(_NOTIFICATION_COLS)} WHERE id = ?",
            (*row[1:], row[0]),
        )

    def claim_notifications(
        self, at: dt.datetime, lease_until: dt.datetime, limit: int
    ) -> list[Notification]:
        now = to_us(at)
        rows = self.all(
            f"UPDATE notifications SET lease_until = ? WHERE id IN ("
            f"SELECT id FROM notifications WHERE status = ? AND next_attempt_at <= ? "
            f"AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_attempt_at LIMIT ? "
            f"{self.dialect.skip_locked}) RETURNING {_NOTIFICATION_COLS}",
            (to_us(lease_until), NotificationStatus.PENDING.value, now, now, limit),
        )
        return sorted((self._notification(r) for r in rows), key=lambda n: n.next_attempt_at)

    def notifications_of(self, message_id: str) -> list[Notification]:
        rows = self.all(
            f"SELECT {_NOTIFICATION_COLS} FROM notifications WHERE message_id = ? "
            "ORDER BY created_at, id",
            (message_id,),
        )
        return [self._notification(r) for r in rows]
