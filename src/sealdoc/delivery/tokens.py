"""Secrets of the delivery service: capability tokens, API keys, confirmation codes, ids.

Every secret comes from a CSPRNG (``secrets.token_bytes`` unless a test injects its own source)
and only its SHA-256 is stored. Link tokens carry 192 random bits (W3C TAG "Good Practices for
Capability URLs" asks for at least 128); API keys 256.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable

__all__ = [
    "API_KEY_PREFIX",
    "RandomSource",
    "hash_secret",
    "new_api_key",
    "new_code",
    "new_id",
    "new_token",
    "new_webhook_secret",
    "secrets_equal",
]

#: Returns ``n`` random bytes. Injected so tests can be deterministic; CSPRNG by default.
RandomSource = Callable[[int], bytes]

API_KEY_PREFIX = "sdk_"
LINK_TOKEN_BYTES = 24
API_KEY_BYTES = 32
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 10  # 50 bits, short-lived and attempt-limited


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hash_secret(secret: str) -> str:
    """The stored form of a token, key or code: lowercase hex SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secrets_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def new_token(random: RandomSource = secrets.token_bytes) -> str:
    """A link token: 192 random bits, URL-safe base64 (32 characters)."""
    return _b64(random(LINK_TOKEN_BYTES))


def new_api_key(random: RandomSource = secrets.token_bytes) -> str:
    """An API key ``sdk_...``: 256 random bits. Keep it secret; store :func:`hash_secret`."""
    return API_KEY_PREFIX + _b64(random(API_KEY_BYTES))


def new_webhook_secret(random: RandomSource = secrets.token_bytes) -> str:
    """A webhook signing secret in the Standard Webhooks form ``whsec_<base64>``."""
    return "whsec_" + base64.b64encode(random(32)).decode("ascii")


def new_code(random: RandomSource = secrets.token_bytes) -> str:
    """A confirmation code such as ``K7PX-3MQ9-RT`` (letters and digits that read unambiguously)."""
    raw = random(CODE_LENGTH)
    chars = "".join(_CODE_ALPHABET[b % len(_CODE_ALPHABET)] for b in raw)
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def normalise_code(code: str) -> str:
    """Accept codes typed in lower case, with or without dashes and spaces."""
    chars = "".join(c for c in code.upper() if c.isalnum())
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}" if len(chars) == CODE_LENGTH else chars


def new_id(prefix: str, random: RandomSource = secrets.token_bytes) -> str:
    """An opaque identifier such as ``msg_3f9a...`` (96 random bits, hex)."""
    return f"{prefix}_{random(12).hex()}"
