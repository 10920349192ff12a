"""Fixtures of the audit unit tests: the test PKI (fixtures/pki) and a seal key from it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.pki_services import PkiServices, TestPki

from sealdoc.keys import SigningKey, load_key


@pytest.fixture(scope="session")
def pki() -> TestPki:
    """The test PKI's certificates, without services (nothing listens at its URLs)."""
    return TestPki()


@pytest.fixture(scope="session")
def live_pki() -> Iterator[TestPki]:
    """The test PKI with its TSA, OCSP responder and CRLs served on 127.0.0.1."""
    with PkiServices() as pki:
        yield pki


def _load(pki: TestPki, label: str, directory: Path) -> SigningKey:
    material = pki.write_seal_material(label, directory)
    return load_key(key=material.key, cert=material.cert, chain=material.chain)


@pytest.fixture
def seal_key(pki: TestPki, tmp_path: Path) -> Iterator[SigningKey]:
    """The ``seal-ecdsa`` key (P-256) with its issuing CA as chain."""
    with _load(pki, "seal-ecdsa", tmp_path / "keys") as key:
        yield key


@pytest.fixture
def rsa_key(pki: TestPki, tmp_path: Path) -> Iterator[SigningKey]:
    with _load(pki, "seal-rsa", tmp_path / "keys") as key:
        yield key
