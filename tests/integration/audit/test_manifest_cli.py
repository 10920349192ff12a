"""``archive manifest`` and ``archive check``: a sealed, time-stamped manifest, then each kind of
change reported, and ``--since`` proving growth."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.serialization import Encoding
from tests.support.audit_pki import AUDIT_TIME, AuditServices

from sealdoc._internal.cli.audit import archive_group
from sealdoc.audit.manifest import load_manifest

FIXTURE_KEYS = Path(__file__).resolve().parents[3] / "fixtures" / "pki" / "keys"


@pytest.fixture
def key_args(services: AuditServices, tmp_path: Path) -> list[str]:
    cert = tmp_path / "seal.pem"
    cert.write_bytes(services.cert("seal-ecdsa").public_bytes(Encoding.PEM))
    chain = tmp_path / "issuing.pem"
    chain.write_bytes(services.cert("issuing").public_bytes(Encoding.PEM))
    return [
        "--key",
        str(FIXTURE_KEYS / "seal-ecdsa.key.pem"),
        "--cert",
        str(cert),
        "--chain",
        str(chain),
    ]


@pytest.fixture
def anchor(services: AuditServices, tmp_path: Path) -> Path:
    return services.write_root(tmp_path / "trust")


def run(*args: object) -> Result:
    return CliRunner().invoke(archive_group, [str(a) for a in args])


def test_sealed_and_timestamped_manifest_checks_clean(
    archive: Path, tmp_path: Path, key_args: list[str], anchor: Path, services: AuditServices
) -> None:
    out = tmp_path / "manifest.json"
    made = run(
        "manifest",
        archive,
        "-o",
        out,
        "--tsa",
        services.tsa_url("tsa-renewal"),
        "--at",
        AUDIT_TIME.isoformat(),
        "--origin",
        "fonds-de-test",
        *key_args,
    )
    assert made.exit_code == 0, made.output
    assert "7 entries" in made.output
    assert "signed and time-stamped" in made.output
    manifest = load_manifest(out)
    assert manifest.checkpoint is not None
    assert manifest.checkpoint.rfc3161_token

    checked = run(
        "check", archive, "--manifest", out, "--trust-cert", anchor, "--at", AUDIT_TIME.isoformat()
    )
    assert checked.exit_code == 0, checked.output
    assert "PASSED: 7 file(s) checked" in checked.output
    assert "signed tree head: valid" in checked.output
    assert f"time-stamped {AUDIT_TIME.isoformat()}" in checked.output


def test_check_lists_every_change_and_exits_one(
    archive: Path, tmp_path: Path, key_args: list[str], anchor: Path, sealed: dict[str, bytes]
) -> None:
    out = tmp_path / "manifest.json"
    run("manifest", archive, "-o", out, "--at", AUDIT_TIME.isoformat(), *key_args)
    (archive / "codes/avis-0001.txt").write_bytes(sealed["code"] + b"\x1f")
    (archive / "2026/fevrier/attestation-003.pdf").unlink()
    (archive / "LISEZMOI.md").rename(archive / "README.md")
    (archive / "2026/mars/nouveau.pdf").write_bytes(sealed["other-genuine"])
    checked = run(
        "check",
        archive,
        "--manifest",
        out,
        "--trust-cert",
        anchor,
        "--json",
        "--at",
        AUDIT_TIME.isoformat(),
    )
    assert checked.exit_code == 1, checked.output
    result = json.loads(checked.output)
    assert sorted((c["kind"], c["path"]) for c in result["changes"]) == [
        ("added", "2026/mars/nouveau.pdf"),
        ("appended", "codes/avis-0001.txt"),
        ("removed", "2026/fevrier/attestation-003.pdf"),
        ("renamed", "README.md"),
    ]


def test_manifest_inside_the_archive_is_neither_recorded_nor_reported(
    archive: Path, key_args: list[str], anchor: Path
) -> None:
    out = archive / "manifest.json"
    run("manifest", archive, "-o", out, "--at", AUDIT_TIME.isoformat(), *key_args)
    checked = run(
        "check", archive, "--manifest", out, "--trust-cert", anchor, "--at", AUDIT_TIME.isoformat()
    )
    assert checked.exit_code == 0, checked.output


def test_since_proves_that_the_archive_only_grew(
    archive: Path, tmp_path: Path, key_args: list[str], anchor: Path, sealed: dict[str, bytes]
) -> None:
    old = tmp_path / "2026-03.json"
    run("manifest", archive, "-o", old, "--at", AUDIT_TIME.isoformat(), *key_args)
    (archive / "2026/avril").mkdir()
    (archive / "2026/avril/attestation-005.pdf").write_bytes(sealed["lt-2"])
    new = tmp_path / "2026-04.json"
    later = (AUDIT_TIME + dt.timedelta(days=30)).isoformat()
    made = run("manifest", archive, "-o", new, "--previous", old, "--at", later, *key_args)
    assert "extending" in made.output
    checked = run(
        "check", archive, "--manifest", new, "--since", old, "--trust-cert", anchor, "--at", later
    )
    assert checked.exit_code == 0, checked.output
    assert "only grew, 1 file(s) added (consistency proof verified)" in checked.output

    # a removal recorded since then is not growth
    (archive / "2026/janvier/attestation-001.pdf").unlink()
    newer = tmp_path / "2026-05.json"
    run("manifest", archive, "-o", newer, "--previous", new, "--at", later, *key_args)
    checked = run(
        "check",
        archive,
        "--manifest",
        newer,
        "--since",
        old,
        "--trust-cert",
        anchor,
        "--at",
        later,
    )
    assert checked.exit_code == 1, checked.output
    assert "removed or replaced: 2026/janvier/attestation-001.pdf" in checked.output


def test_unsigned_manifest_is_indeterminate(archive: Path, tmp_path: Path, anchor: Path) -> None:
    out = tmp_path / "manifest.json"
    made = run("manifest", archive, "-o", out, "--at", AUDIT_TIME.isoformat())
    assert "UNSIGNED" in made.output
    checked = run(
        "check", archive, "--manifest", out, "--trust-cert", anchor, "--at", AUDIT_TIME.isoformat()
    )
    assert checked.exit_code == 3, checked.output
