"""`sealdoc seal` then `sealdoc verify`, through the real command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.pdf_samples import sample_pdf
from tests.support.pki_services import PkiServices, TestPki

from .conftest import TRUST, Sealdoc

FIELDS = {"10": "MME/SPECIMEN/CORINNE", "22": "12 RUE DE LA PAIX", "24": "75002", "26": "FR"}
TEXT = "Mme Corinne SPECIMEN, 12 rue de la Paix, 75002 Paris FR"
AT = "2026-03-02T10:00:00+00:00"


@pytest.fixture(scope="module")
def services() -> Iterator[TestPki]:
    with PkiServices() as pki:
        yield pki


@pytest.fixture
def material(services: TestPki, tmp_path: Path) -> dict[str, Path]:
    seal = services.write_seal_material("seal-ecdsa", tmp_path / "seal")
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps(FIELDS))
    notice = tmp_path / "notice.pdf"
    notice.write_bytes(sample_pdf(text=TEXT))
    return {
        "key": seal.key,
        "cert": seal.cert,
        "chain": seal.chain[0],
        "root": services.write_root(tmp_path),
        "fields": fields,
        "notice": notice,
    }


def _seal_args(m: dict[str, Path], out: Path, *extra: str) -> list[str | Path]:
    return [
        "seal",
        m["notice"],
        "-o",
        out,
        "--key",
        m["key"],
        "--cert",
        m["cert"],
        "--chain",
        m["chain"],
        "--2ddoc-type",
        "01",
        "--2ddoc-fields",
        m["fields"],
        "--2ddoc-key",
        TRUST / "keys" / "FR98_0001.key.pem",
        "--2ddoc-cert",
        TRUST / "participants" / "FR98_0001.pem",
        "--stamp-x",
        "420",
        "--stamp-y",
        "60",
        "--at",
        AT,
        *extra,
    ]


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LTA"])
def test_sealed_notice_with_stamp_verifies(
    sealdoc: Sealdoc, services: TestPki, material: dict[str, Path], tmp_path: Path, level: str
) -> None:
    out = tmp_path / "sealed.pdf"
    done = sealdoc(
        *_seal_args(
            material,
            out,
            "--level",
            level,
            "--tsa",
            services.tsa_url,
            "--trust-root",
            material["root"],
            "--json",
        )
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["twoddoc_embedded"] is True
    verified = sealdoc(
        "verify",
        out,
        "--json",
        "--trust-cert",
        material["root"],
        "--trust-cert",
        TRUST / "participants" / "FR98_0001.pem",
        "--revocation",
        "off",
        "--at",
        AT,
    )
    report = json.loads(verified.stdout)
    assert verified.returncode == 0, verified.stdout
    assert report["format"] == "pdf"
    assert report["signatures"][0]["indication"] == "PASSED"
    assert {c["id"] for c in report["checks"]} >= {"twoddoc[1]", "twoddoc_payload", "twoddoc_text"}


def test_level_b_t_without_tsa_is_a_usage_error(
    sealdoc: Sealdoc, material: dict[str, Path], tmp_path: Path
) -> None:
    done = sealdoc(*_seal_args(material, tmp_path / "x.pdf", "--level", "B-T"))
    assert done.returncode == 2
    assert "--tsa" in done.stderr


def test_sealing_a_corrupt_pdf_fails_cleanly_and_writes_nothing(
    sealdoc: Sealdoc, material: dict[str, Path], tmp_path: Path
) -> None:
    material["notice"].write_bytes(b"%PDF-1.7\n1 0 obj garbage")
    out = tmp_path / "never.pdf"
    done = sealdoc(*_seal_args(material, out, "--no-revocation-check"))
    assert done.returncode == 1
    assert done.stderr.startswith("sealdoc: error:")
    assert "Traceback" not in done.stderr
    assert not out.exists()
