"""Encryption of what a pending notice must carry (the clear link, a confirmation code).

Links and codes are stored only as hashes; but a notice waiting in the outbox (possibly for
hours of retries) must still hold the clear value. It is kept encrypted (AES-256-GCM, the
notification id as associated data) under a key that lives in a file outside the database, so
neither a copy of the database nor its stale pages (SQLite WAL, free pages, PostgreSQL dead
tuples) reveal a usable link. The payload is erased once the notice is sent or given up.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sealdoc._internal.files import write_atomic
from sealdoc.errors import StorageError

__all__ = ["PayloadCipher"]

_PREFIX = "v1."


class PayloadCipher:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise StorageError("the payload key must be 32 bytes")
        self._aead = AESGCM(key)

    @classmethod
    def from_file(cls, path: Path) -> PayloadCipher:
        """Load the key at ``path``, creating it (mode 0600) if it does not exist yet."""
        try:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(path, secrets.token_bytes(32).hex().encode("ascii"), mode=0o600)
            key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        except (OSError, ValueError) as exc:
            raise StorageError(f"{path}: unusable payload key ({exc})") from exc
        return cls(key)

    def seal(self, notification_id: str, payload: dict[str, str]) -> str:
        nonce = os.urandom(12)
        data = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        sealed = self._aead.encrypt(nonce, data, notification_id.encode("utf-8"))
        return _PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, notification_id: str, text: str) -> dict[str, str]:
        try:
            raw = base64.b64decode(text.removeprefix(_PREFIX), validate=True)
            data = self._aead.decrypt(raw[:12], raw[12:], notification_id.encode("utf-8"))
            payload = json.loads(data)
        except (binascii.Error, ValueError, InvalidTag) as exc:
            raise StorageError(
                f"notification {notification_id}: its payload cannot be decrypted "
                "(was the payload key replaced?)"
            ) from exc
        if not isinstance(payload, dict):
            raise StorageError(f"notification {notification_id}: malformed payload")
        return {str(k): str(v) for k, v in payload.items()}
