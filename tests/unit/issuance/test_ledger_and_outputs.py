from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from sealdoc.errors import StorageError
from sealdoc.issuance.ledger import Ledger, RunCounts
from sealdoc.issuance.outputs import OutputGroup, remove_stale_temporaries
from sealdoc.issuance.progress import BarProgress, LineProgress, format_duration


def test_ledger_uses_wal_and_records_a_seal_with_its_event(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite")
    run = ledger.start_run(manifest="m", profile="p", level="B-B", jobs=1)
    ledger.mark_pending("A", line=3, row_sha256="r", input_path="/in/a.pdf", run_id=run)
    ledger.record_sealed(
        "A",
        line=3,
        run_id=run,
        input_sha256="i",
        output_path="/o/A.pdf",
        output_sha256="o",
        twoddoc_id=None,
        sealed_at="2026-03-02T10:00:00+00:00",
        level="B-B",
        recovered=False,
    )
    ledger.finish_run(run, RunCounts(1, 0, 0, 0), "complete")
    ledger.close()
    db = sqlite3.connect(tmp_path / "ledger.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    row = db.execute(
        "SELECT status, line, input_sha256, output_sha256, attempts FROM documents"
    ).fetchone()
    assert row == ("sealed", 3, "i", "o", 1)
    assert db.execute("SELECT event FROM events").fetchall() == [("sealed",)]


def test_a_failure_never_overwrites_a_seal(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite")
    run = ledger.start_run(manifest="m", profile="p", level="B-B", jobs=1)
    ledger.mark_pending("A", line=1, row_sha256="r", input_path=None, run_id=run)
    ledger.record_sealed(
        "A",
        line=1,
        run_id=run,
        input_sha256="i",
        output_path="o",
        output_sha256="o",
        twoddoc_id="t",
        sealed_at="s",
        level="B-B",
        recovered=False,
    )
    ledger.record_failed("A", line=1, run_id=run, error="late")
    ledger.mark_pending("A", line=1, row_sha256="other", input_path=None, run_id=run)
    record = ledger.get("A")
    assert record is not None
    assert (record.status, record.error, record.row_sha256) == ("sealed", None, "r")


def test_ledger_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    Ledger(tmp_path / "l.sqlite").close()
    db = sqlite3.connect(tmp_path / "l.sqlite")
    db.execute("UPDATE meta SET value='99' WHERE key='schema'")
    db.commit()
    db.close()
    with pytest.raises(StorageError, match="schema version 99"):
        Ledger(tmp_path / "l.sqlite")


def test_output_group_publishes_files_only_on_commit(tmp_path: Path) -> None:
    group = OutputGroup(tmp_path)
    group.stage("A.pdf", b"%PDF-a")
    group.stage("B.pdf", b"%PDF-b")
    assert not (tmp_path / "A.pdf").exists()
    group.commit()
    assert (tmp_path / "A.pdf").read_bytes() == b"%PDF-a"
    assert (tmp_path / "B.pdf").read_bytes() == b"%PDF-b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["A.pdf", "B.pdf"]


def test_discarded_and_stale_temporaries_leave_nothing_behind(tmp_path: Path) -> None:
    group = OutputGroup(tmp_path)
    group.stage("A.pdf", b"x")
    group.discard()
    assert list(tmp_path.iterdir()) == []
    OutputGroup(tmp_path).stage("B.pdf", b"x")  # a killed worker's leftover
    assert remove_stale_temporaries(tmp_path) == 1
    assert list(tmp_path.iterdir()) == []


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_plain_progress_lines_give_count_rate_and_eta() -> None:
    out, clock = io.StringIO(), _Clock()
    progress = LineProgress(out, interval=5, clock=clock)
    progress.start(1000)
    clock.now = 5.0
    progress.update(250, 2)
    assert out.getvalue() == "issued 250/1000 (25%), 50 docs/s, ETA 0:15, 2 failed\n"


def test_terminal_bar_redraws_in_place_with_rate_and_eta() -> None:
    out, clock = io.StringIO(), _Clock()
    progress = BarProgress(out, clock=clock)
    progress.start(100)
    clock.now = 2.0
    progress.update(50, 0)
    progress.finish()
    text = out.getvalue()
    assert text.startswith("\r[###############...............] 50/100")
    assert "25 docs/s" in text
    assert "ETA 0:02" in text
    assert text.endswith("\n")


def test_durations_are_formatted_for_people() -> None:
    assert format_duration(5) == "0:05"
    assert format_duration(3725) == "1:02:05"
