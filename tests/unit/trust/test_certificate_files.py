"""Certificates and CRLs are read from PEM, DER, PKCS#7 or bare DER concatenations, by content."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from tests.unit.trust.support import FIXTURES, cert

from sealdoc.errors import TrustError
from sealdoc.trust import load_certificate_directory, parse_certificates, parse_crl

P1 = cert("participants/FR98_0001.pem")
P2 = cert("participants/FR98_0002.pem")


def der(c: object) -> bytes:
    return c.public_bytes(serialization.Encoding.DER)  # type: ignore[attr-defined,no-any-return]


def pem(c: object) -> bytes:
    return c.public_bytes(serialization.Encoding.PEM)  # type: ignore[attr-defined,no-any-return]


def test_pem_bundle_gives_every_certificate() -> None:
    assert parse_certificates(pem(P1) + b"\n" + pem(P2), source="x") == [P1, P2]


def test_single_der_certificate() -> None:
    assert parse_certificates(der(P1), source="x") == [P1]


def test_concatenated_der_certificates() -> None:
    assert parse_certificates(der(P1) + der(P2), source="x") == [P1, P2]


def test_pkcs7_certificate_store() -> None:
    data = (FIXTURES / "certstore" / "FR98_certstore.p7c").read_bytes()
    certs = parse_certificates(data, source="store")
    assert P1 in certs
    assert len(certs) == 3


@pytest.mark.parametrize(
    "data",
    [b"", b"hello", b"\x30\x03\x02\x01", der(P1)[:-10]],
    ids=["empty", "text", "short-der", "truncated"],
)
def test_garbage_raises_trust_error(data: bytes) -> None:
    with pytest.raises(TrustError, match="no certificate found"):
        parse_certificates(data, source="junk")


def test_corrupt_pem_block_raises_trust_error() -> None:
    broken = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    with pytest.raises(TrustError, match="corrupt"):
        parse_certificates(broken, source="broken.pem")


def test_crl_in_der_and_pem() -> None:
    data = (FIXTURES / "crl" / "FR98.crl").read_bytes()
    crl = parse_crl(data, source="der")
    assert parse_crl(crl.public_bytes(serialization.Encoding.PEM), source="pem") == crl


def test_not_a_crl_raises_trust_error() -> None:
    with pytest.raises(TrustError, match="not a CRL"):
        parse_crl(der(P1), source="cert.der")


def test_directory_is_classified_by_content_not_file_name(
    scattered: Callable[..., Path],
) -> None:
    directory = scattered(
        "participants/FR98_0001.pem",
        "participants/FR98_0002.pem",
        "crl/FR98.crl",
        "certstore/FR98_certstore.p7c",
    )
    (directory / "README.txt").write_text("certificates for the verifier\n")
    loaded = load_certificate_directory(directory)
    assert set(loaded.certificates) == {P1, P2, cert("participants/FR98_0003.pem")}
    assert len(loaded.crls) == 1
    assert [path.name for path, _ in loaded.skipped] == ["README.txt"]


def test_missing_directory_raises_trust_error(tmp_path: Path) -> None:
    with pytest.raises(TrustError, match="not a directory"):
        load_certificate_directory(tmp_path / "nope")
