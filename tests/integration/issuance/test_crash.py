"""Crash safety with real ``kill -9``: of a worker process, and of the whole command.

Each test runs the batch in a process of its own (``batch_driver.py``), kills a process in
the middle, lets the same command run again, and checks that every document was sealed exactly
once: one valid output per row, the ledger's history holding one seal (or one adoption of a
seal written just before the kill) per document, nothing left half-written.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.support.issuance_env import assert_valid_seal, notice_row, write_manifest, write_profile
from tests.support.pki_services import SealMaterial, TestPki

DRIVER = Path(__file__).with_name("batch_driver.py")
ROOT = Path(__file__).resolve().parents[3]
ROWS = 120


def _start(
    tmp_path: Path, material: SealMaterial, delay: float
) -> tuple[subprocess.Popen[str], Path]:
    profile = tmp_path / "issuer.toml"
    if not profile.exists():
        write_profile(tmp_path, material)
        rows = [notice_row(i, twoddoc=i % 3 == 0) for i in range(1, ROWS + 1)]
        write_manifest(tmp_path / "notices.jsonl", rows)
    pids = tmp_path / f"pids-{time.monotonic_ns()}.json"
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{ROOT}")
    process = subprocess.Popen(
        [
            sys.executable,
            str(DRIVER),
            str(profile),
            str(tmp_path / "notices.jsonl"),
            str(tmp_path / "out"),
            "2",
            str(delay),
            str(pids),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    return process, pids


def _wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _outputs(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "out").glob("N*.pdf"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purpose
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _finish(process: subprocess.Popen[str]) -> dict[str, int]:
    stdout, stderr = process.communicate(timeout=180)
    assert process.returncode == 0, stderr
    summary: dict[str, int] = json.loads(stdout.strip().splitlines()[-1])
    return summary


def _assert_sealed_exactly_once(tmp_path: Path, root: object) -> None:
    outputs = _outputs(tmp_path)
    assert [p.stem for p in outputs] == [f"N{i:05d}" for i in range(1, ROWS + 1)]
    assert not list((tmp_path / "out").glob(".sealdoc-*.partial"))
    db = sqlite3.connect(tmp_path / "out" / "ledger.sqlite")
    statuses = dict(db.execute("SELECT status, COUNT(*) FROM documents GROUP BY status"))
    assert statuses == {"sealed": ROWS}
    seals = dict(
        db.execute(
            "SELECT id, COUNT(*) FROM events WHERE event IN ('sealed', 'recovered') GROUP BY id"
        )
    )
    assert len(seals) == ROWS
    assert set(seals.values()) == {1}, seals
    import hashlib

    for doc_id, digest in db.execute("SELECT id, output_sha256 FROM documents"):
        assert (
            hashlib.sha256((tmp_path / "out" / f"{doc_id}.pdf").read_bytes()).hexdigest() == digest
        )
    for path in outputs[:: ROWS // 6]:
        assert_valid_seal(path, root=root)  # type: ignore[arg-type]


@pytest.mark.slow
def test_kill_9_of_a_worker_mid_batch_loses_nothing_and_seals_nothing_twice(
    tmp_path: Path, material: SealMaterial, pki: TestPki
) -> None:
    process, pids_file = _start(tmp_path, material, delay=0.01)
    try:
        _wait_for(lambda: pids_file.exists(), 60, "the workers")
        _wait_for(lambda: len(_outputs(tmp_path)) >= 25, 60, "the first outputs")
        victim = json.loads(pids_file.read_text())[0]
        os.kill(victim, signal.SIGKILL)
        summary = _finish(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert summary["failed"] == 0
    assert summary["sealed"] + summary["recovered"] == ROWS
    db = sqlite3.connect(tmp_path / "out" / "ledger.sqlite")
    retried = db.execute("SELECT detail FROM events WHERE event='retried'").fetchall()
    assert retried
    assert all("killed by SIGKILL" in detail for (detail,) in retried)
    _assert_sealed_exactly_once(tmp_path, pki.root)
    again, _ = _start(tmp_path, material, delay=0)
    assert _finish(again) == {"sealed": 0, "recovered": 0, "already": ROWS, "failed": 0}


@pytest.mark.slow
def test_kill_9_of_the_command_mid_batch_then_rerun_completes_exactly_once(
    tmp_path: Path, material: SealMaterial, pki: TestPki
) -> None:
    process, pids_file = _start(tmp_path, material, delay=0.01)
    try:
        _wait_for(lambda: pids_file.exists(), 60, "the workers")
        workers = json.loads(pids_file.read_text())
        _wait_for(lambda: len(_outputs(tmp_path)) >= 25, 60, "the first outputs")
        process.kill()  # SIGKILL
        process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    # the workers die with it: nothing keeps writing into the folder
    _wait_for(lambda: not any(_alive(pid) for pid in workers), 10, "the workers to die")
    done_before = len(_outputs(tmp_path))
    assert 0 < done_before < ROWS
    rerun, _ = _start(tmp_path, material, delay=0)
    summary = _finish(rerun)
    assert summary["failed"] == 0
    assert summary["sealed"] + summary["recovered"] + summary["already"] == ROWS
    assert summary["sealed"] == ROWS - done_before
    _assert_sealed_exactly_once(tmp_path, pki.root)
