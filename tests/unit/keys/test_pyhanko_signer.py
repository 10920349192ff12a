"""The pyHanko signer of a file key produces PDF signatures that pyHanko validates."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from tests.support.keymaterial import (
    AT,
    KeyAndCertificate,
    TestPki,
    write_certificates,
    write_private_key,
)
from tests.support.pyhanko_check import sign_and_validate_pdf

from sealdoc._internal.keys.algorithms import ecdsa_der_max_length
from sealdoc.keys import SigningKey, load_key

MECHANISMS = {
    "ec-p256": "sha256_ecdsa",
    "ec-p384": "sha384_ecdsa",
    "ec-p521": "sha512_ecdsa",
    "rsa-2048": "sha256_rsa",
}


def _key(tmp_path: Path, pki: TestPki, signer: KeyAndCertificate) -> SigningKey:
    return load_key(
        key=write_private_key(tmp_path / "key.pem", signer[0]),
        cert=write_certificates(tmp_path / "cert.pem", signer[1]),
        chain=[write_certificates(tmp_path / "chain.pem", pki.intermediate)],
    )


def test_signed_pdf_validates_against_the_root(
    tmp_path: Path, pki: TestPki, signers: dict[str, KeyAndCertificate], kind: str
) -> None:
    with _key(tmp_path, pki, signers[kind]) as key:
        status = sign_and_validate_pdf(key.pyhanko_signer(), [pki.root], at=AT)
    assert status.bottom_line, status.summary()
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.pkcs7_signature_mechanism == MECHANISMS[kind]
    assert status.signing_cert.subject.native["common_name"] == f"Seal {kind}"


def test_signer_embeds_the_chain_so_validation_needs_only_the_root(
    tmp_path: Path, pki: TestPki, signers: dict[str, KeyAndCertificate]
) -> None:
    with _key(tmp_path, pki, signers["ec-p256"]) as key:
        signer = key.pyhanko_signer()
        registry = list(signer.cert_registry)
        assert [c.subject.native["common_name"] for c in registry] == ["sealdoc test issuing CA"]
        status = sign_and_validate_pdf(signer, [pki.root], at=AT)
    assert status.trusted


def test_signer_with_explicit_hash_uses_it(
    tmp_path: Path, pki: TestPki, signers: dict[str, KeyAndCertificate]
) -> None:
    with _key(tmp_path, pki, signers["rsa-2048"]) as key:
        status = sign_and_validate_pdf(key.pyhanko_signer("sha512"), [pki.root], at=AT)
    assert status.bottom_line
    assert status.pkcs7_signature_mechanism == "sha512_rsa"
    assert status.md_algorithm == "sha512"


def test_signature_by_untrusted_root_does_not_validate_as_trusted(
    tmp_path: Path, pki: TestPki, signers: dict[str, KeyAndCertificate]
) -> None:
    other = TestPki.create()
    with _key(tmp_path, pki, signers["ec-p256"]) as key:
        status = sign_and_validate_pdf(key.pyhanko_signer(), [other.root], at=AT)
    assert status.intact
    assert status.valid
    assert not status.trusted


def test_dry_run_reserves_room_for_any_ecdsa_signature(
    tmp_path: Path, pki: TestPki, signers: dict[str, KeyAndCertificate], kind: str
) -> None:
    with _key(tmp_path, pki, signers[kind]) as key:
        signer = key.pyhanko_signer()
        placeholder = asyncio.run(signer.async_sign_raw(b"x", key.default_hash, dry_run=True))
        real = asyncio.run(signer.async_sign_raw(b"x", key.default_hash))
        assert len(real) <= len(placeholder)


@pytest.mark.parametrize("curve", [ec.SECP256R1(), ec.SECP384R1(), ec.SECP521R1()])
def test_ecdsa_der_bound_covers_the_largest_integers(curve: ec.EllipticCurve) -> None:
    public_key = ec.generate_private_key(curve).public_key()
    biggest = (1 << (curve.key_size + 7) // 8 * 8) - 1  # top bit set: needs a leading zero byte
    assert len(encode_dss_signature(biggest, biggest)) <= ecdsa_der_max_length(public_key)
