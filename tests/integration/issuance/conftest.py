"""Fixtures of the batch issuance integration tests: the test PKI's seal material, inputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.keymaterial import minimal_pdf
from tests.support.pki_services import SealMaterial, TestPki


@pytest.fixture(scope="session")
def pki() -> TestPki:
    return TestPki()


@pytest.fixture
def material(pki: TestPki, tmp_path: Path) -> SealMaterial:
    return pki.write_seal_material("seal-ecdsa", tmp_path / "keys")


@pytest.fixture
def input_pdfs(tmp_path: Path) -> Path:
    """``in/P1.pdf`` .. ``in/P3.pdf`` (valid) and ``in/broken.pdf`` (a PDF header, no PDF)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in (1, 2, 3):
        (folder / f"P{i}.pdf").write_bytes(minimal_pdf())
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\nthis is not a PDF\n")
    return folder
