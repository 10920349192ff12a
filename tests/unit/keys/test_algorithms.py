"""Hash names and conversions between DER and raw ECDSA signatures."""

from __future__ import annotations

import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

from sealdoc._internal.keys.algorithms import (
    der_to_raw_ecdsa,
    parse_hash_name,
    raw_to_der_ecdsa,
)
from sealdoc.errors import KeyAccessError

P256 = ec.generate_private_key(ec.SECP256R1()).public_key()
P521 = ec.generate_private_key(ec.SECP521R1()).public_key()


@given(r=st.integers(1, (1 << 256) - 1), s=st.integers(1, (1 << 256) - 1))
def test_raw_and_der_ecdsa_round_trip_on_p256(r: int, s: int) -> None:
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert der_to_raw_ecdsa(raw_to_der_ecdsa(raw), P256) == raw


@given(r=st.integers(1, (1 << 521) - 1), s=st.integers(1, (1 << 521) - 1))
def test_raw_and_der_ecdsa_round_trip_on_p521(r: int, s: int) -> None:
    raw = r.to_bytes(66, "big") + s.to_bytes(66, "big")
    assert der_to_raw_ecdsa(raw_to_der_ecdsa(raw), P521) == raw


@pytest.mark.parametrize("raw", [b"", b"\x01" * 63])
def test_raw_ecdsa_signature_of_odd_or_zero_length_is_refused(raw: bytes) -> None:
    with pytest.raises(KeyAccessError, match="malformed raw ECDSA signature"):
        raw_to_der_ecdsa(raw)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("sha256", "sha256"), ("SHA-384", "sha384"), ("sha_512", "sha512"), ("SHA512", "sha512")],
)
def test_hash_names_are_normalised(name: str, expected: str) -> None:
    assert parse_hash_name(name) == expected


@pytest.mark.parametrize("name", ["sha1", "md5", "sha3_256", "shake256", ""])
def test_other_hashes_are_refused(name: str) -> None:
    with pytest.raises(KeyAccessError, match="unsupported hash algorithm"):
        parse_hash_name(name)


def test_importing_keys_loads_neither_pyhanko_nor_pkcs11() -> None:
    # Both are heavy or need a native module; only PDF sealing and tokens pay for them.
    code = (
        "import sys, sealdoc.keys; "
        "print(sorted(m for m in ('pyhanko', 'pkcs11') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
