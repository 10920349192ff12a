"""Fixtures for the trust tests (helpers live in ``support.py`` beside this file)."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from tests.unit.trust.support import FIXTURES, TSL_DIR, cert

from sealdoc.trust import TrustList, load_trust_list


@pytest.fixture
def tsl_signer() -> x509.Certificate:
    return cert("tsl/tsl_signer.pem")


@pytest.fixture(scope="session")
def test_tsl() -> TrustList:
    """The signed test list: FR98 granted since 2020, FR97 withdrawn since 2023, FR95 (CN off)."""
    return load_trust_list(
        (TSL_DIR / "tsl_test.xml").read_bytes(),
        signers=[cert("tsl/tsl_signer.pem")],
        source="tsl_test.xml",
    )


@pytest.fixture
def scattered(tmp_path: Path) -> Callable[..., Path]:
    """Copy fixture files into a fresh directory under random names; return the directory."""

    def copy(*relatives: str) -> Path:
        directory = tmp_path / f"certs-{secrets.token_hex(4)}"
        directory.mkdir()
        for relative in relatives:
            shutil.copyfile(FIXTURES / relative, directory / secrets.token_hex(8))
        return directory

    return copy
