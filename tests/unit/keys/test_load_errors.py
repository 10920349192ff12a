"""Every way loading a key from files can fail raises KeyAccessError with an actionable message."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)
from tests.support.keymaterial import (
    KeyAndCertificate,
    issue_certificate,
    write_certificates,
    write_private_key,
)

from sealdoc.errors import KeyAccessError
from sealdoc.keys import Pkcs11Spec, load_key

PASSWORD = b"s3cret"


@pytest.fixture
def ec_signer(signers: dict[str, KeyAndCertificate]) -> KeyAndCertificate:
    return signers["ec-p256"]


@pytest.fixture
def cert_path(tmp_path: Path, ec_signer: KeyAndCertificate) -> Path:
    return write_certificates(tmp_path / "cert.pem", ec_signer[1])


def _p12(path: Path, signer: KeyAndCertificate, password: bytes | None) -> Path:
    encryption = NoEncryption() if password is None else BestAvailableEncryption(password)
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(b"seal", signer[0], signer[1], None, encryption)
    )
    return path


# --- missing and unreadable files -------------------------------------------------------------


def test_missing_key_file_is_named(tmp_path: Path, cert_path: Path) -> None:
    with pytest.raises(KeyAccessError, match=r"key file not found: .*absent\.pem"):
        load_key(key=tmp_path / "absent.pem", cert=cert_path)


def test_missing_certificate_file_is_named(tmp_path: Path, ec_signer: KeyAndCertificate) -> None:
    key_path = write_private_key(tmp_path / "key.pem", ec_signer[0])
    with pytest.raises(KeyAccessError, match=r"certificate file not found: .*absent\.pem"):
        load_key(key=key_path, cert=tmp_path / "absent.pem")


def test_missing_chain_file_is_named(tmp_path: Path, ec_signer: KeyAndCertificate) -> None:
    key_path = write_private_key(tmp_path / "key.pem", ec_signer[0])
    cert = write_certificates(tmp_path / "cert.pem", ec_signer[1])
    with pytest.raises(KeyAccessError, match=r"certificate file not found: .*ca\.pem"):
        load_key(key=key_path, cert=cert, chain=[tmp_path / "ca.pem"])


def test_missing_pkcs12_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(KeyAccessError, match=r"PKCS#12 file not found"):
        load_key(pkcs12=tmp_path / "seal.p12", password=PASSWORD)


def test_directory_instead_of_key_file_is_reported(tmp_path: Path, cert_path: Path) -> None:
    with pytest.raises(KeyAccessError, match="is a directory"):
        load_key(key=tmp_path, cert=cert_path)


def test_oversized_key_file_is_refused(tmp_path: Path, cert_path: Path) -> None:
    big = tmp_path / "big.pem"
    big.write_bytes(b"\0" * (2 << 20))
    with pytest.raises(KeyAccessError, match="too large"):
        load_key(key=big, cert=cert_path)


# --- passwords --------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["PEM", "DER"])
def test_wrong_password_for_key_file_says_so(
    tmp_path: Path, ec_signer: KeyAndCertificate, cert_path: Path, encoding: str
) -> None:
    key_path = write_private_key(
        tmp_path / "key",
        ec_signer[0],
        encoding="PEM" if encoding == "PEM" else "DER",
        password=PASSWORD,
    )
    with pytest.raises(KeyAccessError, match="wrong password for the key file"):
        load_key(key=key_path, cert=cert_path, password=b"not it")


def test_wrong_password_for_traditional_encrypted_pem_says_so(
    tmp_path: Path, ec_signer: KeyAndCertificate, cert_path: Path
) -> None:
    key_path = write_private_key(
        tmp_path / "key.pem", ec_signer[0], format="traditional", password=PASSWORD
    )
    with pytest.raises(KeyAccessError, match="wrong password"):
        load_key(key=key_path, cert=cert_path, password=b"not it")


def test_encrypted_key_without_password_asks_for_it(
    tmp_path: Path, ec_signer: KeyAndCertificate, cert_path: Path
) -> None:
    key_path = write_private_key(tmp_path / "key.pem", ec_signer[0], password=PASSWORD)
    with pytest.raises(KeyAccessError, match="is encrypted: give its password"):
        load_key(key=key_path, cert=cert_path)


def test_password_for_plain_key_is_reported(
    tmp_path: Path, ec_signer: KeyAndCertificate, cert_path: Path
) -> None:
    key_path = write_private_key(tmp_path / "key.pem", ec_signer[0])
    with pytest.raises(KeyAccessError, match="not encrypted, but a password was given"):
        load_key(key=key_path, cert=cert_path, password=PASSWORD)


def test_wrong_pkcs12_password_says_so(tmp_path: Path, ec_signer: KeyAndCertificate) -> None:
    path = _p12(tmp_path / "seal.p12", ec_signer, PASSWORD)
    with pytest.raises(KeyAccessError, match="wrong password for the PKCS#12 file"):
        load_key(pkcs12=path, password=b"not it")


def test_encrypted_pkcs12_without_password_asks_for_it(
    tmp_path: Path, ec_signer: KeyAndCertificate
) -> None:
    path = _p12(tmp_path / "seal.p12", ec_signer, PASSWORD)
    with pytest.raises(KeyAccessError, match="protected by a password: give it"):
        load_key(pkcs12=path)


# --- corrupt and wrong content ----------------------------------------------------------------


def test_corrupt_pem_key_is_reported(
    tmp_path: Path, ec_signer: KeyAndCertificate, cert_path: Path
) -> None:
    pem = write_private_key(tmp_path / "key.pem", ec_signer[0]).read_bytes()
    lines = pem.splitlines()
    lines[2] = b"!!!!" + lines[2][4:]
    corrupt = tmp_path / "corrupt.pem"
    corrupt.write_bytes(b"\n".join(lines))
    with pytest.raises(KeyAccessError, match="not a valid private key"):
        load_key(key=corrupt, cert=cert_path)


def test_truncated_der_key_is_reported(
    tmp_path: Path, ec_signer: KeyAndCertificate, cert_path: Path
) -> None:
    der = write_private_key(tmp_path / "key.der", ec_signer[0], encoding="DER").read_bytes()
    truncated = tmp_path / "truncated.der"
    truncated.write_bytes(der[: len(der) // 2])
    with pytest.raises(KeyAccessError, match="not a valid private key"):
        load_key(key=truncated, cert=cert_path)


def test_certificate_given_as_key_is_reported(tmp_path: Path, cert_path: Path) -> None:
    with pytest.raises(KeyAccessError, match="not a valid private key"):
        load_key(key=cert_path, cert=cert_path)


def test_key_given_as_certificate_is_reported(tmp_path: Path, ec_signer: KeyAndCertificate) -> None:
    key_path = write_private_key(tmp_path / "key.pem", ec_signer[0])
    with pytest.raises(KeyAccessError, match="is not a certificate"):
        load_key(key=key_path, cert=key_path)


def test_garbage_pkcs12_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "seal.p12"
    path.write_bytes(b"this is not a PKCS#12 file at all")
    with pytest.raises(KeyAccessError, match="is not a PKCS#12"):
        load_key(pkcs12=path, password=PASSWORD)


def test_pkcs12_without_key_is_reported(tmp_path: Path, ec_signer: KeyAndCertificate) -> None:
    path = tmp_path / "certs.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            None, None, None, [ec_signer[1]], BestAvailableEncryption(PASSWORD)
        )
    )
    with pytest.raises(KeyAccessError, match="holds no private key"):
        load_key(pkcs12=path, password=PASSWORD)


# --- key and certificate don't go together ------------------------------------------------------


def test_key_that_does_not_match_certificate_is_refused(
    tmp_path: Path, signers: dict[str, KeyAndCertificate]
) -> None:
    key_path = write_private_key(tmp_path / "key.pem", signers["ec-p256"][0])
    other_cert = write_certificates(tmp_path / "other.pem", signers["ec-p384"][1])
    with pytest.raises(KeyAccessError, match="does not match the certificate"):
        load_key(key=key_path, cert=other_cert)


def test_key_matching_a_later_certificate_of_the_bundle_is_refused(
    tmp_path: Path, signers: dict[str, KeyAndCertificate]
) -> None:
    # The first certificate of the file is the signer's: no silent search through the bundle.
    key_path = write_private_key(tmp_path / "key.pem", signers["ec-p256"][0])
    bundle = write_certificates(
        tmp_path / "bundle.pem", signers["ec-p384"][1], signers["ec-p256"][1]
    )
    with pytest.raises(KeyAccessError, match="does not match the certificate"):
        load_key(key=key_path, cert=bundle)


# --- unsupported key types ----------------------------------------------------------------------


def test_weak_rsa_key_is_refused_unless_allowed(tmp_path: Path) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    key_path = write_private_key(tmp_path / "key.pem", weak)
    cert_path = write_certificates(tmp_path / "cert.pem", issue_certificate(weak, "weak"))
    with pytest.raises(KeyAccessError, match="1024 bits is too weak"):
        load_key(key=key_path, cert=cert_path)
    with load_key(key=key_path, cert=cert_path, allow_weak=True) as key:
        assert key.algorithm == "rsa"


def test_ed25519_key_is_refused_as_unsupported(tmp_path: Path, cert_path: Path) -> None:
    key_path = tmp_path / "ed25519.pem"
    key_path.write_bytes(
        ed25519.Ed25519PrivateKey.generate().private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
        )
    )
    with pytest.raises(KeyAccessError, match="unsupported key type Ed25519"):
        load_key(key=key_path, cert=cert_path)


def test_dsa_key_is_refused_as_unsupported(tmp_path: Path, cert_path: Path) -> None:
    key_path = tmp_path / "dsa.pem"
    key_path.write_bytes(
        dsa.generate_private_key(key_size=2048).private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
        )
    )
    with pytest.raises(KeyAccessError, match="unsupported key type DSA"):
        load_key(key=key_path, cert=cert_path)


def test_key_on_unsupported_curve_is_refused(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256K1())
    key_path = write_private_key(tmp_path / "k1.pem", key)
    cert_path = write_certificates(tmp_path / "cert.pem", issue_certificate(key, "k1"))
    with pytest.raises(KeyAccessError, match="unsupported elliptic curve secp256k1"):
        load_key(key=key_path, cert=cert_path)


# --- bad combinations of arguments ---------------------------------------------------------------


def test_no_key_source_is_reported() -> None:
    with pytest.raises(KeyAccessError, match=r"give exactly one key source.*got none"):
        load_key()


def test_two_key_sources_are_reported(tmp_path: Path, cert_path: Path) -> None:
    with pytest.raises(KeyAccessError, match="got key and pkcs12"):
        load_key(key=tmp_path / "k.pem", cert=cert_path, pkcs12=tmp_path / "k.p12")


def test_key_file_without_certificate_is_reported(
    tmp_path: Path, ec_signer: KeyAndCertificate
) -> None:
    key_path = write_private_key(tmp_path / "key.pem", ec_signer[0])
    with pytest.raises(KeyAccessError, match="no certificate given"):
        load_key(key=key_path)


def test_pkcs12_with_separate_certificate_is_reported(tmp_path: Path, cert_path: Path) -> None:
    with pytest.raises(KeyAccessError, match="carries its own certificate"):
        load_key(pkcs12=tmp_path / "k.p12", cert=cert_path)


def test_password_for_pkcs11_key_points_to_the_pin(tmp_path: Path) -> None:
    spec = Pkcs11Spec(module=tmp_path / "p11.so", token_label="t", key_label="k", pin="1")
    with pytest.raises(KeyAccessError, match="SEALDOC_PKCS11_PIN"):
        load_key(pkcs11=spec, password=PASSWORD)


def test_unsupported_hash_algorithm_is_refused(
    tmp_path: Path, ec_signer: KeyAndCertificate, cert_path: Path
) -> None:
    key_path = write_private_key(tmp_path / "key.pem", ec_signer[0])
    with load_key(key=key_path, cert=cert_path) as key:
        with pytest.raises(KeyAccessError, match="unsupported hash algorithm 'md5'"):
            key.sign(b"data", "md5")
        with pytest.raises(KeyAccessError, match="unsupported hash algorithm 'sha1'"):
            key.sign_ecdsa_raw(b"data", "sha1")


def test_raw_ecdsa_signature_with_rsa_key_is_refused(
    tmp_path: Path, signers: dict[str, KeyAndCertificate]
) -> None:
    private_key, certificate = signers["rsa-2048"]
    key_path = write_private_key(tmp_path / "key.pem", private_key)
    cert_path = write_certificates(tmp_path / "cert.pem", certificate)
    with (
        load_key(key=key_path, cert=cert_path) as key,
        pytest.raises(KeyAccessError, match="needs an EC key"),
    ):
        key.sign_ecdsa_raw(b"data")
