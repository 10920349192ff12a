"""Key material for the key-file tests: one small PKI, one signer per key type (made once)."""

from __future__ import annotations

import pytest
from tests.support.keymaterial import SUPPORTED_KINDS, KeyAndCertificate, TestPki


@pytest.fixture(scope="session")
def pki() -> TestPki:
    return TestPki.create()


@pytest.fixture(scope="session")
def signers(pki: TestPki) -> dict[str, KeyAndCertificate]:
    """A signer key and certificate, issued by the intermediate CA, for each supported kind."""
    return {kind: pki.issue(kind, f"Seal {kind}") for kind in SUPPORTED_KINDS}


@pytest.fixture(params=SUPPORTED_KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    """Each supported key kind in turn: ec-p256, ec-p384, ec-p521, rsa-2048."""
    value: str = request.param
    return value
