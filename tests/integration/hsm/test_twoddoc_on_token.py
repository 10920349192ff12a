"""2D-Doc codes signed by a key that never leaves a real PKCS#11 token (SoftHSM2)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from tests.support.softhsm import SoftHsmToken, create_token

import sealdoc
from sealdoc import twoddoc
from sealdoc.report import Indication

ROOT = Path(__file__).resolve().parents[3]
TRUST = ROOT / "fixtures" / "trust"
FIELDS = {"10": "MME/SPECIMEN/CORINNE", "22": "1 PLACE DU MARCHE", "24": "69001", "26": "FR"}
SIGNED_ON = dt.date(2026, 3, 2)
AT = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)


@pytest.fixture(params=["ec-p256", "ec-p384", "ec-p521"])
def fr98_token(request: pytest.FixtureRequest) -> Iterator[SoftHsmToken]:
    ca_cert = sealdoc.trust.load_certificate_file(TRUST / "ca" / "FR98_ca.pem")[0]
    ca_key = serialization.load_pem_private_key(
        (TRUST / "keys" / "FR98.key.pem").read_bytes(), password=None
    )
    with create_token(request.param, common_name="0042", issuer=(ca_cert, ca_key)) as token:  # type: ignore[arg-type]
        yield token


def _trust(token: SoftHsmToken) -> sealdoc.TrustMaterial:
    """The FR98 CA as anchor; the participant certificate from an offline directory."""
    return sealdoc.TrustMaterial.load(
        trust_certs=[TRUST / "ca" / "FR98_ca.pem"], certs_dir=token.cert_path.parent
    )


def test_code_signed_on_the_token_verifies_against_the_ca(fr98_token: SoftHsmToken) -> None:
    with sealdoc.load_key(pkcs11=fr98_token.spec()) as key:
        code = twoddoc.sign(
            "01",
            FIELDS,
            key,
            ca_id="FR98",
            cert_id="0042",
            issue_date=SIGNED_ON,
            signature_date=SIGNED_ON,
        )
    report = sealdoc.verify(code, trust=_trust(fr98_token), at=AT, revocation="off")
    assert report.indication is Indication.PASSED, report.checks
    assert report.signer is not None
    assert "CN=0042" in report.signer


def test_cli_signs_with_the_token_pin_from_the_environment(
    fr98_token: SoftHsmToken, tmp_path: Path
) -> None:
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps(FIELDS))
    env = {
        **os.environ,
        "SOFTHSM2_CONF": str(fr98_token.hsm.config),
        "SEALDOC_PKCS11_PIN": fr98_token.pin,
    }
    out = tmp_path / "code.txt"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sealdoc",
            "2ddoc",
            "sign",
            "--type",
            "01",
            "--fields",
            str(fields),
            "--pkcs11-module",
            str(fr98_token.module),
            "--pkcs11-token",
            fr98_token.token_label,
            "--pkcs11-key",
            fr98_token.key_label,
            "--signature-date",
            SIGNED_ON.isoformat(),
            "-o",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = sealdoc.verify(out, trust=_trust(fr98_token), at=AT, revocation="off")
    assert report.indication is Indication.PASSED, report.checks
    assert report.twoddoc is not None
    assert report.twoddoc.header.cert_id == "0042"


def test_cli_with_a_wrong_pin_says_so_without_traceback(
    fr98_token: SoftHsmToken, tmp_path: Path
) -> None:
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps(FIELDS))
    env = {**os.environ, "SOFTHSM2_CONF": str(fr98_token.hsm.config), "SEALDOC_PKCS11_PIN": "0000"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sealdoc",
            "2ddoc",
            "sign",
            "--type",
            "01",
            "--fields",
            str(fields),
            "--pkcs11-module",
            str(fr98_token.module),
            "--pkcs11-token",
            fr98_token.token_label,
            "--pkcs11-key",
            fr98_token.key_label,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "PIN" in done.stderr
    assert "Traceback" not in done.stderr
