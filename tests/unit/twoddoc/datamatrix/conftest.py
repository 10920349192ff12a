"""Fixtures for the DataMatrix tests: the spec §16 reference codes from fixtures/twoddoc/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[4] / "fixtures" / "twoddoc"
VECTORS = FIXTURES / "spec_vectors" / "spec_v326_reference_codes_verified.json"


def _reference_rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return rows


def _code_of(row: dict[str, object]) -> str:
    """The full code: ``message`` (v02-v04), or v01's signed data then its raw signature."""
    if "message" in row:
        return str(row["message"])
    return str(row["signed_data"]) + bytes.fromhex(str(row["sig_hex"])).decode("latin-1")


REFERENCE_CODES: list[str] = [_code_of(row) for row in _reference_rows()]
C40_CODES: list[str] = [code for code in REFERENCE_CODES if not code.startswith("DC01")]


@pytest.fixture(scope="session")
def reference_codes() -> list[str]:
    """The 60 reference codes of spec §16, control characters (and v01 raw bytes) included."""
    return REFERENCE_CODES


@pytest.fixture(scope="session")
def sample_code() -> str:
    """A v04 reference code (type 12, 64x64 symbol) with GS and US in it."""
    return C40_CODES[0]


@pytest.fixture(scope="session")
def small_code() -> str:
    """The shortest C40 reference code (a 40x40 symbol): keeps degradation tests quick."""
    return min(C40_CODES, key=len)
