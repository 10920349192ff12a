"""Shared helpers of the 2D-Doc codec tests: spec vectors, test keys, a raw-ECDSA key adapter."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

REPO = Path(__file__).resolve().parents[3]
VECTORS = REPO / "fixtures" / "twoddoc" / "spec_vectors"
REFERENCE_CODES = VECTORS / "spec_v326_reference_codes_verified.json"
SAMPLES = VECTORS / "spec_samples_v313" / "3.1.3"
TEST_CERT = VECTORS / "FR00_0001_test_cert.pem"
TEST_KEY = VECTORS / "FR00_0001_test_key.pem"
V01_EXAMPLE_PUBKEY = VECTORS / "FR00_0000_v01_example_pubkey.pem"

GS, RS, US = "\x1d", "\x1e", "\x1f"

_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
_CURVE_HASH = {"secp256r1": "sha256", "secp384r1": "sha384", "secp521r1": "sha512"}


class RawKey:
    """Test stand-in for ``sealdoc.keys.SigningKey``: the three members ``sign`` uses."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        self.private_key = private_key
        self.calls = 0

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self.private_key.public_key()

    @property
    def default_hash(self) -> str:
        return _CURVE_HASH[self.private_key.curve.name]

    def sign_ecdsa_raw(self, data: bytes, hash_algorithm: str | None = None) -> bytes:
        self.calls += 1
        algorithm = _HASHES[hash_algorithm or self.default_hash]()
        r, s = decode_dss_signature(self.private_key.sign(data, ec.ECDSA(algorithm)))
        size = (self.private_key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")


@cache
def spec_test_key() -> RawKey:
    """The FR00/0001 key published in spec §16.1 (it signed every reference code)."""
    key = serialization.load_pem_private_key(TEST_KEY.read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return RawKey(key)


@cache
def spec_test_cert() -> x509.Certificate:
    return x509.load_pem_x509_certificate(TEST_CERT.read_bytes())


@cache
def throwaway_key(curve_name: str) -> RawKey:
    """A fixed test key on P-256, P-384 or P-521 (derived from a constant: reproducible)."""
    curve = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1()}[curve_name]
    return RawKey(ec.derive_private_key(0x2DD0C + curve.key_size, curve))


@cache
def reference_codes() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(REFERENCE_CODES.read_text(encoding="utf-8"))
    return data


def reference_code_bytes(vector: dict[str, Any]) -> bytes:
    """The code as a DataMatrix reader returns it (v01: signed bytes + 64 raw signature bytes)."""
    if "message" in vector:
        return str(vector["message"]).encode("latin-1")
    return str(vector["signed_data"]).encode("latin-1") + bytes.fromhex(vector["sig_hex"])


def reference_id(vector: dict[str, Any]) -> str:
    return f"{vector['format']}-{vector['doc_type'][:2]}"


def sample_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*/*.txt"))


def load_sample(path: Path) -> tuple[bytes, dict[str, Any]]:
    """A v3.1.3 sample code (trailing line breaks of the text file removed) and its YAML."""
    code = path.read_bytes().rstrip(b"\r\n")
    expected = yaml.safe_load(path.with_suffix(".yaml").read_text(encoding="utf-8"))
    return code, expected


DAY = dt.date(2024, 5, 17)
