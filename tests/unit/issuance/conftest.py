"""Fixtures of the issuance unit tests: the test PKI's seal key, written once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.pki_services import SealMaterial, TestPki

from sealdoc.keys import SigningKey, load_key


@pytest.fixture(scope="session")
def pki() -> TestPki:
    return TestPki()


@pytest.fixture(scope="session")
def material(pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> SealMaterial:
    return pki.write_seal_material("seal-ecdsa", tmp_path_factory.mktemp("keys"))


@pytest.fixture
def seal_key(material: SealMaterial) -> Iterator[SigningKey]:
    with load_key(key=material.key, cert=material.cert, chain=material.chain) as key:
        yield key


@pytest.fixture
def keys_dir(material: SealMaterial) -> Path:
    return material.key.parent
