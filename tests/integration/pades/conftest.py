"""Fixtures of the PAdES integration tests: the test PKI served on 127.0.0.1, seal keys, and
sealed documents (each level sealed once per session, then reused read-only)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.support.pdf_samples import sample_pdf
from tests.support.pki_services import PKI_TIME, PkiServices, TestPki

from sealdoc.keys import SigningKey, load_key
from sealdoc.pades import StampSpec, seal_bytes

#: A 2D-Doc-shaped payload with its control characters (the PAdES layer does not decode it).
CODE = "DC04FR000001125E125E0401FRFR10DUPONT\x1d20JEAN\x1d\x1fAAAABBBBCCCCDDDD"

SealFactory = Callable[..., bytes]


@pytest.fixture(scope="session")
def pki_services() -> Iterator[PkiServices]:
    services = PkiServices(at=PKI_TIME)
    services.start()
    yield services
    services.stop()


@pytest.fixture(scope="session")
def pki(pki_services: PkiServices) -> TestPki:
    return pki_services.pki


@pytest.fixture(scope="session")
def keys(pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SigningKey]]:
    directory = tmp_path_factory.mktemp("seal-material")
    loaded: dict[str, SigningKey] = {}
    for label in (
        "seal-ecdsa",
        "seal-rsa",
        "seal-revoked",
        "seal-expired",
        "seal-no-ku",
        "seal-weak-rsa",
    ):
        material = pki.write_seal_material(label, directory)
        loaded[label] = load_key(
            key=material.key,
            cert=material.cert,
            chain=list(material.chain),
            allow_weak=label == "seal-weak-rsa",
        )
    yield loaded
    for key in loaded.values():
        key.close()


@pytest.fixture(scope="session")
def document() -> bytes:
    return sample_pdf(pages=2, text_field="commentaire")


@pytest.fixture(scope="session")
def sealed(pki: TestPki, keys: dict[str, SigningKey], document: bytes) -> SealFactory:
    """``sealed(label, level)``: ``document`` sealed at ``level`` with a visible stamp (cached)."""
    cache: dict[tuple[str, str, bool], bytes] = {}

    def make(label: str = "seal-ecdsa", level: str = "B-B", *, stamp: bool = True) -> bytes:
        key = (label, level, stamp)
        if key not in cache:
            cache[key] = seal_bytes(
                document,
                keys[label],
                level=level,
                tsa_url=pki.tsa_url,
                stamp=StampSpec(code=CODE, page=0, x=420, y=60) if stamp else None,
                trust_roots=pki.trust_roots,
                fetcher_backend=pki.fetcher_backend(),
                at=PKI_TIME,
            ).data
        return cache[key]

    return make


@pytest.fixture
def write_pdf(tmp_path: Path) -> Callable[[bytes, str], Path]:
    def write(data: bytes, name: str = "doc.pdf") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write
