"""Test keys, certificates and key files, made with ``cryptography`` (no pytest dependency).

::

    from tests.support.keymaterial import TestPki, generate_key, write_private_key

    pki = TestPki.create()                        # root CA -> intermediate CA
    key, cert = pki.issue("ec-p256", "Seal")      # signer issued by the intermediate
    write_private_key(tmp_path / "k.pem", key, password=b"secret")

Certificates are valid from :data:`NOT_BEFORE` to :data:`NOT_AFTER`; tests pin their clock
inside that range.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

__all__ = [
    "AT",
    "NOT_AFTER",
    "NOT_BEFORE",
    "SUPPORTED_KINDS",
    "KeyAndCertificate",
    "KeySpec",
    "PrivateKey",
    "TestPki",
    "generate_key",
    "issue_certificate",
    "minimal_pdf",
    "verify_signature",
    "write_certificates",
    "write_private_key",
]

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
#: A signer's private key and its certificate.
KeyAndCertificate = tuple[PrivateKey, x509.Certificate]
#: "ec-p256", "ec-p384", "ec-p521", "rsa-<bits>" (e.g. "rsa-2048"), or a key object.
KeySpec = str | PrivateKey

NOT_BEFORE: Final = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
NOT_AFTER: Final = dt.datetime(2044, 1, 1, tzinfo=dt.UTC)
#: A moment inside that validity, for tests that validate.
AT: Final = dt.datetime(2030, 6, 1, 12, 0, tzinfo=dt.UTC)

#: The key types sealdoc signs with, as :func:`generate_key` spells them.
SUPPORTED_KINDS: Final = ("ec-p256", "ec-p384", "ec-p521", "rsa-2048")

_CURVES: Final[dict[str, ec.EllipticCurve]] = {
    "ec-p256": ec.SECP256R1(),
    "ec-p384": ec.SECP384R1(),
    "ec-p521": ec.SECP521R1(),
}


def generate_key(spec: KeySpec) -> PrivateKey:
    """A fresh key: ``"ec-p256"``, ``"ec-p384"``, ``"ec-p521"`` or ``"rsa-<bits>"``."""
    if not isinstance(spec, str):
        return spec
    if spec in _CURVES:
        return ec.generate_private_key(_CURVES[spec])
    if spec.startswith("rsa-") and spec[4:].isdigit():
        return rsa.generate_private_key(public_exponent=65537, key_size=int(spec[4:]))
    raise ValueError(f"unknown key spec {spec!r}: ec-p256, ec-p384, ec-p521 or rsa-<bits>")


def issue_certificate(
    public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey | PrivateKey,
    common_name: str,
    *,
    issuer: tuple[x509.Certificate, PrivateKey] | None = None,
    ca: bool = False,
) -> x509.Certificate:
    """A certificate for a key: self-signed (give the private key), or signed by ``issuer``."""
    if isinstance(public_key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        self_signer: PrivateKey | None = public_key
        public_key = public_key.public_key()
    else:
        self_signer = None
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sealdoc tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    if issuer is not None:
        issuer_name, signing_key = issuer[0].subject, issuer[1]
    elif self_signer is not None:
        issuer_name, signing_key = subject, self_signer
    else:
        raise ValueError("a self-signed certificate needs the private key")
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[1].public_key()),
            critical=False,
        )
    return builder.sign(signing_key, hashes.SHA256())


@dataclass(frozen=True)
class TestPki:
    """A root CA and an intermediate CA that issues signer certificates."""

    __test__ = False  # not a pytest test class

    root_key: PrivateKey
    root: x509.Certificate
    intermediate_key: PrivateKey
    intermediate: x509.Certificate

    @classmethod
    def create(cls, kind: KeySpec = "ec-p384") -> TestPki:
        root_key = generate_key(kind)
        root = issue_certificate(root_key, "sealdoc test root CA", ca=True)
        intermediate_key = generate_key(kind)
        intermediate = issue_certificate(
            intermediate_key.public_key(),
            "sealdoc test issuing CA",
            issuer=(root, root_key),
            ca=True,
        )
        return cls(root_key, root, intermediate_key, intermediate)

    def issue(self, key: KeySpec, common_name: str) -> KeyAndCertificate:
        """A signer key and its certificate, issued by the intermediate CA."""
        private_key = generate_key(key)
        certificate = issue_certificate(
            private_key.public_key(), common_name, issuer=(self.intermediate, self.intermediate_key)
        )
        return private_key, certificate


def write_private_key(
    path: Path,
    key: PrivateKey,
    *,
    encoding: Literal["PEM", "DER"] = "PEM",
    format: Literal["PKCS8", "traditional"] = "PKCS8",
    password: bytes | None = None,
) -> Path:
    """Write ``key`` to ``path`` in the given encoding and format, encrypted if ``password``."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.NoEncryption()
        if password is None
        else serialization.BestAvailableEncryption(password)
    )
    private_format = (
        serialization.PrivateFormat.PKCS8
        if format == "PKCS8"
        else serialization.PrivateFormat.TraditionalOpenSSL
    )
    encoded = serialization.Encoding.PEM if encoding == "PEM" else serialization.Encoding.DER
    path.write_bytes(key.private_bytes(encoded, private_format, encryption))
    return path


def write_certificates(
    path: Path, *certificates: x509.Certificate, encoding: Literal["PEM", "DER"] = "PEM"
) -> Path:
    """Write certificates to ``path`` (PEM: concatenated; DER: exactly one)."""
    if encoding == "DER":
        (certificate,) = certificates
        path.write_bytes(certificate.public_bytes(serialization.Encoding.DER))
    else:
        path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates))
    return path


def verify_signature(
    public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
    signature: bytes,
    data: bytes,
    hash_algorithm: str,
) -> None:
    """Verify a DER ECDSA or RSA PKCS#1 v1.5 signature; raises ``InvalidSignature``."""
    algorithms: dict[str, hashes.HashAlgorithm] = {
        "sha256": hashes.SHA256(),
        "sha384": hashes.SHA384(),
        "sha512": hashes.SHA512(),
    }
    algorithm = algorithms[hash_algorithm]
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(algorithm))
    else:
        public_key.verify(signature, data, padding.PKCS1v15(), algorithm)


def minimal_pdf() -> bytes:
    """A valid one-page PDF, small enough to build by hand."""
    from sealdoc.issuance.sealing.sealer import probe_pdf

    return probe_pdf(200, 200)
