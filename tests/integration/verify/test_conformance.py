"""Conformance: every published 2D-Doc specimen verifies PASSED end to end with `sealdoc.verify`.

The spec's test certificate FR00/0001 is trusted directly (its CA certificate is not published);
it expired in 2015, so validity is judged at each code's signature date, as the spec requires.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import sealdoc
from sealdoc.report import CheckStatus, Indication

ROOT = Path(__file__).resolve().parents[3]
VECTORS = ROOT / "fixtures" / "twoddoc" / "spec_vectors"
IMAGES = ROOT / "fixtures" / "twoddoc" / "images"
AT = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
REFERENCE = json.loads((VECTORS / "spec_v326_reference_codes_verified.json").read_text("utf-8"))
SAMPLES = sorted((VECTORS / "spec_samples_v313").rglob("*.txt"))


@pytest.fixture(scope="module")
def trust() -> sealdoc.TrustMaterial:
    return sealdoc.TrustMaterial.load(trust_certs=[VECTORS / "FR00_0001_test_cert.pem"])


def _assert_passed(report: sealdoc.VerificationReport) -> None:
    assert report.indication is Indication.PASSED, [
        (c.id, c.message) for c in report.checks if c.status is not CheckStatus.PASSED
    ]
    assert report.check("signature").status is CheckStatus.PASSED
    assert report.check("fields").status is CheckStatus.PASSED


@pytest.mark.parametrize(
    "vector", REFERENCE, ids=[f"{i:02d}-{v['format']}" for i, v in enumerate(REFERENCE)]
)
def test_reference_code_of_the_specification_passes(
    vector: dict[str, str], trust: sealdoc.TrustMaterial
) -> None:
    if "message" in vector:
        code = vector["message"].encode("latin-1")
    else:  # v01: the raw 64-byte signature follows the signed data directly
        code = vector["signed_data"].encode("latin-1") + bytes.fromhex(vector["sig_hex"])
    _assert_passed(sealdoc.verify(code, trust=trust, at=AT))


@pytest.mark.parametrize("path", SAMPLES, ids=[f"{p.parent.name}-{p.stem}" for p in SAMPLES])
def test_v313_sample_passes(path: Path, trust: sealdoc.TrustMaterial) -> None:
    _assert_passed(sealdoc.verify(path, trust=trust, at=AT))


@pytest.mark.parametrize("path", sorted(IMAGES.glob("*.*[gG]")), ids=lambda p: p.stem)
def test_specimen_image_passes(path: Path, trust: sealdoc.TrustMaterial) -> None:
    _assert_passed(sealdoc.verify(path, trust=trust, at=AT))


def test_there_are_60_reference_codes_48_samples_and_13_images() -> None:
    assert len(REFERENCE) == 60
    assert len(SAMPLES) == 48
    assert len(sorted(IMAGES.glob("*.*[gG]"))) == 13
