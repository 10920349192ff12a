from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TRUST = ROOT / "fixtures" / "trust"


class Sealdoc:
    """Runs the real command line in a subprocess, as a user would."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd

    def __call__(
        self, *args: str | Path, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sealdoc", *map(str, args)],
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=env,
        )


@pytest.fixture
def sealdoc(tmp_path: Path) -> Sealdoc:
    return Sealdoc(tmp_path)


@pytest.fixture
def fr98_signing() -> list[str]:
    return [
        "--key",
        str(TRUST / "keys" / "FR98_0001.key.pem"),
        "--cert",
        str(TRUST / "participants" / "FR98_0001.pem"),
    ]


@pytest.fixture
def fr98_trust() -> list[str]:
    return [
        "--tsl",
        str(TRUST / "tsl" / "tsl_test.xml"),
        "--tsl-signer",
        str(TRUST / "tsl" / "tsl_signer.pem"),
        "--certs",
        str(TRUST / "participants"),
        "--revocation",
        "off",
        "--at",
        "2026-03-02T12:00:00Z",
    ]
