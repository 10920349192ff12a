"""The SQLite backend: transactions are atomic, the outbox lease works, documents are files
written before the commit and deleted after it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sealdoc.delivery.model import Channel, Notification, NotificationKind
from sealdoc.delivery.storage import StoredEvidence
from sealdoc.delivery.storage.sqlite import SqliteStorage

AT = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


def _notification(i: int, at: dt.datetime = AT) -> Notification:
    return Notification(
        id=f"ntf_{i}", kind=NotificationKind.NOTICE, channel=Channel.EMAIL,
        address="a@b.test", created_at=at, next_attempt_at=at,
    )  # fmt: skip


def test_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path)

    def fail_midway() -> None:
        with storage.transaction() as tx:
            tx.insert_notification(_notification(1))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_midway()

    with storage.transaction(write=False) as tx:
        assert tx.claim_notifications(AT, AT, 10) == []
    storage.close()


def test_claimed_notifications_are_leased(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path)
    with storage.transaction() as tx:
        for i in range(3):
            tx.insert_notification(_notification(i))
    lease = AT + dt.timedelta(minutes=1)

    with storage.transaction() as tx:
        first = tx.claim_notifications(AT, lease, 2)
    with storage.transaction() as tx:
        second = tx.claim_notifications(AT, lease, 10)
    with storage.transaction() as tx:
        later = lease + dt.timedelta(seconds=1)
        after_lease = tx.claim_notifications(later, later + dt.timedelta(minutes=1), 10)

    assert len(first) == 2
    assert len(second) == 1
    assert {n.id for n in first} | {n.id for n in second} == {"ntf_0", "ntf_1", "ntf_2"}
    assert len(after_lease) == 3
    storage.close()


def test_documents_are_files_deleted_after_commit(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path)
    with storage.transaction() as tx:
        tx.put_content("msg_abc123", b"%PDF-1.7 ...")
    files = list((tmp_path / "documents").rglob("*.pdf"))
    assert [f.name for f in files] == ["msg_abc123.pdf"]
    assert oct(files[0].stat().st_mode & 0o777) == "0o600"

    def delete_then_fail() -> None:
        with storage.transaction() as tx:
            tx.delete_content("msg_abc123")
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        delete_then_fail()
    assert files[0].exists()

    with storage.transaction() as tx:
        tx.delete_content("msg_abc123")
    assert not files[0].exists()
    storage.close()


def test_log_size_follows_inserted_evidence(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path)
    with storage.transaction() as tx:
        for i in range(3):
            tx.insert_evidence(
                StoredEvidence(tx.log_size(), f"ev_{i}", "msg_1", "X", AT, b"{}", bytes(32))
            )
        assert tx.log_size() == 3
        assert [e.index for e in tx.evidence_of("msg_1")] == [0, 1, 2]
    storage.close()
