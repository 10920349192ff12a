"""Run a batch in a process of its own, so that tests can kill it (or its workers) with -9.

    python batch_driver.py PROFILE MANIFEST OUT JOBS DELAY_S PIDS_FILE

The clock is pinned to the test PKI's time; each reading of it sleeps ``DELAY_S`` seconds,
which slows sealing down enough to kill a process in the middle of a batch. The worker pids
are written to ``PIDS_FILE`` as soon as the workers run; the summary is printed as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

from sealdoc.issuance import issue_batch, load_profile

PKI_TIME = dt.datetime(2026, 3, 2, 10, 0, 0, tzinfo=dt.UTC)


def main() -> int:
    profile, manifest, out, jobs, delay, pids_file = sys.argv[1:7]

    def clock() -> dt.datetime:
        time.sleep(float(delay))
        return PKI_TIME

    def on_workers(pids: list[int]) -> None:
        Path(pids_file).write_text(json.dumps(pids), encoding="utf-8")

    summary = issue_batch(
        load_profile(Path(profile)),
        Path(manifest),
        Path(out),
        jobs=int(jobs),
        clock=clock,
        on_workers=on_workers,
        chunk_size=8,
    )
    print(
        json.dumps(
            {
                "sealed": summary.sealed,
                "recovered": summary.recovered,
                "already": summary.already,
                "failed": summary.failed,
            }
        )
    )
    return 0 if summary.all_sealed else 1


if __name__ == "__main__":
    sys.exit(main())
