"""Loading keys from PEM/DER/PKCS#12 files and signing with them."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    NoEncryption,
    pkcs12,
)
from tests.support.keymaterial import (
    KeyAndCertificate,
    PrivateKey,
    TestPki,
    verify_signature,
    write_certificates,
    write_private_key,
)

from sealdoc.errors import KeyAccessError
from sealdoc.keys import SigningKey, load_key

KEY_FILE_FORMATS: list[tuple[Literal["PEM", "DER"], Literal["PKCS8", "traditional"], bool]] = [
    ("PEM", "PKCS8", False),
    ("PEM", "PKCS8", True),
    ("PEM", "traditional", False),
    ("PEM", "traditional", True),
    ("DER", "PKCS8", False),
    ("DER", "PKCS8", True),
    ("DER", "traditional", False),
]
PASSWORD = b"correct horse battery staple"
DATA = b"DC04FR000001...the data a seal covers"
RAW_LENGTHS = {"ec-p256": 64, "ec-p384": 96, "ec-p521": 132}
DEFAULT_HASHES = {
    "ec-p256": "sha256",
    "ec-p384": "sha384",
    "ec-p521": "sha512",
    "rsa-2048": "sha256",
}


def _load_files(
    tmp_path: Path, private_key: PrivateKey, pki: TestPki, certificate: x509.Certificate
) -> SigningKey:
    key_path = write_private_key(tmp_path / "key", private_key)
    cert_path = write_certificates(tmp_path / "cert.pem", certificate)
    chain_path = write_certificates(tmp_path / "chain.pem", pki.intermediate)
    return load_key(key=key_path, cert=cert_path, chain=[chain_path])


@pytest.mark.parametrize(("encoding", "key_format", "encrypted"), KEY_FILE_FORMATS)
def test_key_file_signs_verifiably_in_every_format(
    tmp_path: Path,
    pki: TestPki,
    signers: dict[str, KeyAndCertificate],
    kind: str,
    encoding: Literal["PEM", "DER"],
    key_format: Literal["PKCS8", "traditional"],
    encrypted: bool,
) -> None:
    private_key, certificate = signers[kind]
    key_path = write_private_key(
        tmp_path / "key",
        private_key,
        encoding=encoding,
        format=key_format,
        password=PASSWORD if encrypted else None,
    )
    cert_path = write_certificates(tmp_path / "cert.pem", certificate)
    with load_key(key=key_path, cert=cert_path, password=PASSWORD if encrypted else None) as key:
        signature = key.sign(DATA, key.default_hash)
        verify_signature(key.public_key, signature, DATA, key.default_hash)
        assert key.certificate == certificate


def test_pkcs12_with_password_signs_verifiably_and_carries_its_chain(
    tmp_path: Path, pki: TestPki, signers: dict[str, KeyAndCertificate], kind: str
) -> None:
    private_key, certificate = signers[kind]
    path = tmp_path / "seal.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"seal",
            private_key,
            certificate,
            [pki.root, pki.intermediate],
            BestAvailableEncryption(PASSWORD),
        )
    )
    with load_key(pkcs12=path, password=PASSWORD) as key:
        verify_signature(key.public_key, key.sign(DATA, "sha256"), DATA, "sha256")
        assert key.certificate == certificate
        assert key.chain == (pki.intermediate, pki.root)  # issuer first


def test_pkcs12_without_password_loads_without_one(
    tmp_path: Path, signers: dict[str, KeyAndCertificate]
) -> None:
    private_key, certificate = signers["ec-p256"]
    path = tmp_path / "seal.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            None,
            private_key,
            certificate,
            None,
            NoEncryption(),
        )
    )
    with load_key(pkcs12=path) as key:
        assert key.chain == ()
        verify_signature(key.public_key, key.sign(DATA, "sha256"), DATA, "sha256")


def test_key_reports_algorithm_and_default_hash_per_key_type(
    tmp_path: Path, pki: TestPki, signers: dict[str, KeyAndCertificate], kind: str
) -> None:
    private_key, certificate = signers[kind]
    with _load_files(tmp_path, private_key, pki, certificate) as key:
        assert key.algorithm == ("rsa" if kind.startswith("rsa") else "ecdsa")
        assert key.default_hash == DEFAULT_HASHES[kind]


@pytest.mark.parametrize("hash_algorithm", ["sha256", "sha384", "sha512"])
def test_every_supported_hash_signs_verifiably(
    tmp_path: Path,
    pki: TestPki,
    signers: dict[str, KeyAndCertificate],
    kind: str,
    hash_algorithm: str,
) -> None:
    private_key, certificate = signers[kind]
    with _load_files(tmp_path, private_key, pki, certificate) as key:
        verify_signature(key.public_key, key.sign(DATA, hash_algorithm), DATA, hash_algorithm)


def test_hash_names_are_accepted_in_common_spellings(
    tmp_path: Path, pki: TestPki, signers: dict[str, KeyAndCertificate]
) -> None:
    private_key, certificate = signers["ec-p384"]
    with _load_files(tmp_path, private_key, pki, certificate) as key:
        verify_signature(key.public_key, key.sign(DATA, "SHA-384"), DATA, "sha384")


@pytest.mark.parametrize("curve", sorted(RAW_LENGTHS))
def test_raw_ecdsa_signature_has_fixed_length_per_curve_and_verifies(
    tmp_path: Path, pki: TestPki, signers: dict[str, KeyAndCertificate], curve: str
) -> None:
    private_key, certificate = signers[curve]
    size = RAW_LENGTHS[curve]
    with _load_files(tmp_path, private_key, pki, certificate) as key:
        public_key = key.public_key
        assert isinstance(public_key, ec.EllipticCurvePublicKey)
        # Enough signatures that some r or s has leading zero bytes (kept as padding).
        for index in range(64):
            data = DATA + index.to_bytes(2, "big")
            raw = key.sign_ecdsa_raw(data)
            assert len(raw) == size
            r, s = int.from_bytes(raw[: size // 2], "big"), int.from_bytes(raw[size // 2 :], "big")
            verify_signature(public_key, encode_dss_signature(r, s), data, key.default_hash)


def test_raw_ecdsa_signature_uses_the_hash_asked_for(
    tmp_path: Path, pki: TestPki, signers: dict[str, KeyAndCertificate]
) -> None:
    private_key, certificate = signers["ec-p256"]
    with _load_files(tmp_path, private_key, pki, certificate) as key:
        raw = key.sign_ecdsa_raw(DATA, "sha512")
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        verify_signature(key.public_key, der, DATA, "sha512")


def test_certificate_file_with_chain_puts_extra_certificates_in_chain(
    tmp_path: Path, pki: TestPki, signers: dict[str, KeyAndCertificate]
) -> None:
    private_key, certificate = signers["ec-p256"]
    key_path = write_private_key(tmp_path / "key.pem", private_key)
    bundle = write_certificates(
        tmp_path / "fullchain.pem",
        certificate,
        pki.root,
        pki.intermediate,
    )
    with load_key(key=key_path, cert=bundle) as key:
        assert key.certificate == certificate
        assert key.chain == (pki.intermediate, pki.root)


def test_der_certificate_and_chain_files_load(
    tmp_path: Path, pki: TestPki, signers: dict[str, KeyAndCertificate]
) -> None:
    private_key, certificate = signers["rsa-2048"]
    key_path = write_private_key(tmp_path / "key.der", private_key, encoding="DER")
    cert_path = write_certificates(tmp_path / "c.der", certificate, encoding="DER")
    chain = [
        write_certificates(tmp_path / "root.der", pki.root, encoding="DER"),
        write_certificates(tmp_path / "int.der", pki.intermediate, encoding="DER"),
        write_certificates(tmp_path / "int-again.pem", pki.intermediate),
    ]
    with load_key(key=key_path, cert=cert_path, chain=chain) as key:
        assert key.chain == (pki.intermediate, pki.root)  # ordered, duplicates dropped


def test_closed_key_refuses_to_sign(
    tmp_path: Path, pki: TestPki, signers: dict[str, KeyAndCertificate]
) -> None:
    private_key, certificate = signers["ec-p256"]
    key = _load_files(tmp_path, private_key, pki, certificate)
    with key:
        key.sign(DATA, "sha256")
    assert key.closed
    key.close()  # idempotent
    with pytest.raises(KeyAccessError, match="has been closed"):
        key.sign(DATA, "sha256")


def test_repr_names_the_signer_and_source(
    tmp_path: Path, pki: TestPki, signers: dict[str, KeyAndCertificate]
) -> None:
    private_key, certificate = signers["ec-p256"]
    with _load_files(tmp_path, private_key, pki, certificate) as key:
        assert "Seal ec-p256" in repr(key)
        assert "key file" in repr(key)
