"""Real SoftHSM2 tokens, created by the tests themselves (see tests/support/softhsm.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.keymaterial import TestPki
from tests.support.softhsm import SoftHsmToken, create_token, softhsm_available

TokenFactory = Callable[..., SoftHsmToken]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder ``hsm``; skip them where SoftHSM2 is not installed."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.hsm)
            if not softhsm_available():
                item.add_marker(pytest.mark.skip(reason="SoftHSM2 is not installed"))


@pytest.fixture(scope="session")
def pki() -> TestPki:
    return TestPki.create()


@pytest.fixture
def make_token(pki: TestPki) -> Iterator[TokenFactory]:
    """``make_token("ec-p256", **options)``: a fresh token, its certificate issued by ``pki``.

    Options are those of :func:`tests.support.softhsm.create_token`. Tokens are deleted after
    the test.
    """
    made: list[SoftHsmToken] = []

    def make(key: Any = "ec-p256", **options: Any) -> SoftHsmToken:
        options.setdefault("issuer", (pki.intermediate, pki.intermediate_key))
        token = create_token(key, **options)
        made.append(token)
        return token

    yield make
    for token in made:
        token.delete()
