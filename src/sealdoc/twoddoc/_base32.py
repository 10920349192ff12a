"""RFC 4648 Base32 without padding, decoded strictly.

2D-Doc writes signatures (v02+) and the URL of DI 0C in Base32 without the ``=`` padding. The
decoder accepts exactly one text per byte string: a length that no byte count produces, or
non-zero bits after the last byte, are refused. Otherwise several codes would carry the same
signature (changing the last character's unused bits would go unnoticed).
"""

from __future__ import annotations

import base64
import binascii

__all__ = ["ALPHABET", "b32decode_strict", "b32encode_nopad"]

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_VALUES = {char: index for index, char in enumerate(ALPHABET)}
# Characters in the last 8-character group -> number of unused low bits in the last character.
_UNUSED_BITS = {0: 0, 2: 2, 4: 4, 5: 1, 7: 3}


def b32encode_nopad(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def b32decode_strict(text: str) -> bytes:
    """Decode unpadded Base32; raise ``ValueError`` saying why the text is not canonical."""
    tail = len(text) % 8
    if tail not in _UNUSED_BITS:
        raise ValueError(f"{len(text)} Base32 characters encode no whole number of bytes")
    for index, char in enumerate(text):
        if char not in _VALUES:
            raise ValueError(f"{char!r} at position {index} is not a Base32 character [A-Z2-7]")
    if text and _VALUES[text[-1]] & ((1 << _UNUSED_BITS[tail]) - 1):
        raise ValueError("the last Base32 character has non-zero unused bits")
    padded = text + "=" * ((8 - tail) % 8)
    try:
        return base64.b32decode(padded)
    except binascii.Error as exc:  # not reachable after the checks above; kept typed
        raise ValueError(f"invalid Base32: {exc}") from None
