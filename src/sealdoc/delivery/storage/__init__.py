"""Where the delivery service keeps its state: a small protocol and two backends.

* :class:`~sealdoc.delivery.storage.sqlite.SqliteStorage` (default, no server): SQLite in WAL
  mode with ``synchronous=FULL``, documents in files written atomically (temporary file, fsync,
  rename, directory fsync) before the transaction that records them commits.
* :class:`~sealdoc.delivery.storage.postgres.PostgresStorage`: PostgreSQL, documents in a table,
  for deployments with several service processes.

Everything happens in a :meth:`Storage.transaction`; when it returns, the transaction is
durable (that is when the service acknowledges). Write transactions are serialised on the
evidence log (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-level advisory lock), so
log indices are dense and each message's evidence chain is appended in order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sealdoc.delivery.model import (
    Confirmation,
    Domicile,
    DomicileChange,
    Link,
    Message,
    MessageState,
    Notification,
    RecipientId,
)

if TYPE_CHECKING:
    from sealdoc.delivery.settings import DeliverySettings

__all__ = ["Storage", "StoredEvidence", "Transaction", "open_storage"]


@dataclass(frozen=True)
class StoredEvidence:
    """One leaf of the evidence log."""

    index: int
    evidence_id: str
    message_id: str
    event: str
    event_time: dt.datetime
    leaf: bytes  # canonical JSON of the sealed record
    leaf_hash: bytes  # RFC 6962 leaf hash of ``leaf``


class Transaction(Protocol):
    """The operations of one transaction. Methods raise :class:`~sealdoc.errors.StorageError`."""

    # domiciles
    def insert_domicile(self, domicile: Domicile) -> None: ...
    def update_domicile(self, domicile: Domicile) -> None: ...
    def get_domicile(self, domicile_id: str) -> Domicile | None: ...
    def domiciles_of(self, recipient: RecipientId) -> list[Domicile]: ...
    def add_change(self, change: DomicileChange) -> None: ...
    def changes_of(self, recipient: RecipientId) -> list[DomicileChange]: ...
    def insert_confirmation(self, confirmation: Confirmation) -> None: ...
    def confirmations_of(self, domicile_id: str) -> list[Confirmation]: ...
    def update_confirmation(self, confirmation: Confirmation) -> None: ...

    # messages, links, documents
    def insert_message(self, message: Message) -> None: ...
    def update_message(self, message: Message) -> None: ...
    def get_message(self, message_id: str) -> Message | None: ...
    def messages_of(
        self, recipient: RecipientId, states: Sequence[MessageState]
    ) -> list[Message]: ...
    def messages_to_expire(self, at: dt.datetime, limit: int) -> list[Message]: ...
    def messages_to_purge(self, at: dt.datetime, limit: int) -> list[Message]: ...
    def insert_link(self, link: Link) -> None: ...
    def update_link(self, link: Link) -> None: ...
    def link_by_hash(self, token_hash: str) -> Link | None: ...
    def link_of(self, message_id: str) -> Link | None: ...
    def put_content(self, message_id: str, data: bytes) -> None: ...
    def get_content(self, message_id: str) -> bytes | None: ...
    def delete_content(self, message_id: str) -> None: ...

    # evidence log
    def log_size(self) -> int: ...
    def last_evidence_of(self, message_id: str) -> StoredEvidence | None: ...
    def insert_evidence(self, evidence: StoredEvidence) -> None: ...
    def evidence_of(self, message_id: str) -> list[StoredEvidence]: ...
    def evidence_by_id(self, evidence_id: str) -> StoredEvidence | None: ...
    def leaf_hashes(self, size: int) -> list[bytes]: ...
    def latest_checkpoint(self) -> str | None: ...
    def checkpoint_for(self, size: int) -> str | None: ...
    def insert_checkpoint(self, size: int, at: dt.datetime, body: str) -> None: ...

    # notification outbox
    def insert_notification(self, notification: Notification) -> None: ...
    def update_notification(self, notification: Notification) -> None: ...
    def claim_notifications(
        self, at: dt.datetime, lease_until: dt.datetime, limit: int
    ) -> list[Notification]: ...
    def notifications_of(self, message_id: str) -> list[Notification]: ...


class Storage(Protocol):
    name: str

    def transaction(self, *, write: bool = True) -> AbstractContextManager[Transaction]:
        """A transaction; committed (durably) when the block exits normally."""
        ...

    def close(self) -> None: ...


def open_storage(settings: DeliverySettings) -> Storage:
    """The backend named by ``settings.storage``, its schema created if needed."""
    if settings.storage == "postgresql":
        from sealdoc.delivery.storage.postgres import PostgresStorage
        from sealdoc.errors import InputError

        if not settings.postgres_dsn:
            raise InputError(
                "storage = postgresql needs postgres_dsn (SEALDOC_DELIVERY_POSTGRES_DSN)"
            )
        return PostgresStorage(settings.postgres_dsn)
    from sealdoc.delivery.storage.sqlite import SqliteStorage

    return SqliteStorage(settings.data_dir)
