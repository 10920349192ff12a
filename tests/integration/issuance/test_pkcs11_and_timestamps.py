"""Batches with a key on a PKCS#11 token (SoftHSM2), and at B-T / B-LT against the local TSA."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from tests.support.issuance_env import (
    assert_valid_seal,
    notice_row,
    pinned,
    write_manifest,
    write_profile,
)
from tests.support.pki_services import PKI_TIME, PkiServices, SealMaterial, TestPki
from tests.support.softhsm import SOFTHSM_MODULE, create_token, softhsm_available

from sealdoc.errors import SealingError
from sealdoc.issuance import issue_batch, load_profile
from sealdoc.keys import PIN_ENV_VAR
from sealdoc.pades import embedded_twoddoc, verify_pdf


@pytest.mark.hsm
@pytest.mark.skipif(not softhsm_available(), reason="SoftHSM2 is not installed")
def test_pkcs11_profile_seals_a_batch_with_worker_processes(
    tmp_path: Path, pki: TestPki, monkeypatch: pytest.MonkeyPatch
) -> None:
    issuing_key = serialization.load_pem_private_key(
        pki.key_path("issuing").read_bytes(), password=None
    )
    chain = tmp_path / "issuing.pem"
    chain.write_bytes(pki.cert_pem("issuing"))
    with create_token("ec-p256", issuer=(pki.cert("issuing"), issuing_key)) as token:  # type: ignore[arg-type]
        monkeypatch.setenv(PIN_ENV_VAR, token.pin)
        profile = write_profile(
            tmp_path,
            seal_lines=['chain = ["issuing.pem"]'],
            extra=(
                f'\n[seal.pkcs11]\nmodule = "{SOFTHSM_MODULE}"\ntoken = "{token.token_label}"\n'
                f'key_label = "{token.key_label}"\n'
            ),
        )
        manifest = write_manifest(tmp_path / "m.jsonl", [notice_row(i) for i in range(1, 7)])
        summary = issue_batch(
            load_profile(profile), manifest, tmp_path / "out", jobs=2, clock=pinned(), chunk_size=2
        )
    assert (summary.sealed, summary.failed) == (6, 0), summary.failures
    for i in (1, 6):
        path = tmp_path / "out" / f"N{i:05d}.pdf"
        assert_valid_seal(path, root=pki.root)
        assert embedded_twoddoc(path) is not None


def test_pkcs11_pin_is_never_read_from_the_profile(tmp_path: Path) -> None:
    from sealdoc.errors import InputError

    path = tmp_path / "issuer.toml"
    path.write_text(
        '[seal]\n[seal.pkcs11]\nmodule = "m.so"\ntoken = "t"\nkey_label = "k"\npin = "1234"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=PIN_ENV_VAR):
        load_profile(path)


@pytest.fixture(scope="module")
def services() -> object:
    with PkiServices() as pki:
        yield pki


def test_b_t_batch_time_stamps_every_document_at_the_local_tsa(
    tmp_path: Path, services: TestPki
) -> None:
    material = services.write_seal_material("seal-ecdsa", tmp_path / "keys")
    profile = write_profile(
        tmp_path,
        material,
        level="B-T",
        tsa=services.tsa_url,
        check_revocation=True,
        seal_lines=["tsa_concurrency = 4"],
    )
    manifest = write_manifest(tmp_path / "m.jsonl", [notice_row(i) for i in range(1, 9)])
    summary = issue_batch(
        load_profile(profile), manifest, tmp_path / "out", jobs=2, clock=pinned(), chunk_size=4
    )
    assert (summary.sealed, summary.fast, summary.failed) == (8, 8, 0), summary.failures
    for i in (1, 8):
        path = tmp_path / "out" / f"N{i:05d}.pdf"
        assert_valid_seal(path, root=services.root, timestamped=True)
        report = verify_pdf(path, trust=[services.root], at=PKI_TIME, revocation="soft-fail")
        timestamp = [c for s in report.signatures for c in s.checks if c.id == "timestamp"]
        assert timestamp
        assert timestamp[0].status == "passed", report
    db = sqlite3.connect(tmp_path / "out" / "ledger.sqlite")
    assert db.execute("SELECT DISTINCT level FROM documents").fetchall() == [("B-T",)]


def test_b_lt_batch_goes_through_pyhankos_signer_and_embeds_validation_data(
    tmp_path: Path, services: TestPki
) -> None:
    material = services.write_seal_material("seal-ecdsa", tmp_path / "keys")
    root = services.write_root(tmp_path / "keys")
    profile = write_profile(
        tmp_path,
        material,
        level="B-LT",
        tsa=services.tsa_url,
        check_revocation=True,
        seal_lines=[f'trust_roots = ["{root}"]'],
    )
    manifest = write_manifest(tmp_path / "m.jsonl", [notice_row(i) for i in range(1, 3)])
    summary = issue_batch(load_profile(profile), manifest, tmp_path / "out", clock=pinned())
    assert (summary.sealed, summary.fast, summary.failed) == (2, 0, 0), summary.failures
    path = tmp_path / "out" / "N00001.pdf"
    assert_valid_seal(path, root=services.root, timestamped=True, whole_file=False)
    report = verify_pdf(path, trust=[services.root], at=PKI_TIME, revocation="require")
    assert report.indication == "PASSED", report


def test_an_unreachable_tsa_stops_the_batch_before_any_document(
    tmp_path: Path, material: SealMaterial
) -> None:
    profile = write_profile(tmp_path, material, level="B-T", tsa="http://127.0.0.1:9/tsa")
    manifest = write_manifest(tmp_path / "m.jsonl", [notice_row(1)])
    with pytest.raises(SealingError, match="time-stamping authority"):
        issue_batch(load_profile(profile), manifest, tmp_path / "out", clock=pinned())
    assert not list((tmp_path / "out").glob("*.pdf"))
