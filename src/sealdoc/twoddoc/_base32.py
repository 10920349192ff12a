"""RFC 4648 Base32 without padding, decoded strictly.

2D-Doc writes signatures (v02+) and the URL of DI 0C in Base32 without the ``=`` padding. The
decoder accepts exactly one text per byte string: a length that no byte count produces, or
non-zero bits after the last byte, are refused. Otherwise several codes would carry the same
signature (changing the last character's unused bits would go unnoticed).
"""

from __future__ import annotations

import functools
import re

__all__ = ["ALPHABET", "b32decode_strict", "b32encode_nopad"]

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_VALUES = {char: index for index, char in enumerate(ALPHABET)}
# Characters in the last 8-character group -> number of unused low bits in the last character.
_UNUSED_BITS = {0: 0, 2: 2, 4: 4, 5: 1, 7: 3}
# RFC 4648 Base32 digits -> the digits int(..., 32) reads (0-9, A-V), same values.
_TO_BASE32HEX = str.maketrans(ALPHABET, "0123456789ABCDEFGHIJKLMNOPQRSTUV")
_NOT_BASE32 = re.compile(r"[^A-Z2-7]")
_ALPHABET_BYTES = bytes.maketrans(bytes(range(32)), ALPHABET.encode("ascii"))
# Within each 8-byte slot, (bits kept, bits moved, shift): 40 bits -> 2 x 20 in 32-bit halves
# -> 4 x 10 in 16-bit quarters -> 8 x 5 in bytes.
_SLOT_STEPS = (
    (0xFFFFF, 0xFFFFF << 20, 12),
    (0x3FF * 0x100000001, 0x3FF * 0x100000001 << 10, 6),
    (0x1F * 0x0001000100010001, 0x1F * 0x0001000100010001 << 5, 3),
)


def b32encode_nopad(data: bytes) -> str:
    """Base32 of ``data`` without padding (the inverse of :func:`b32decode_strict`).

    Each 5 bytes (40 bits) make 8 characters: the groups are spread into 8-byte slots, then the
    5-bit values into bytes by three shift-and-mask steps on one integer, and the bytes are
    mapped to the alphabet."""
    if not data:
        return ""
    units = -(-len(data) // 5)
    padded = bytes(data) + bytes(5 * units - len(data))
    slots = bytearray(8 * units)
    for index in range(5):
        slots[3 + index :: 8] = padded[index::5]
    number = int.from_bytes(slots, "big")
    for low, high, shift in _spread_masks(units):
        number = (number & low) | ((number & high) << shift)
    chars = number.to_bytes(8 * units, "big").translate(_ALPHABET_BYTES).decode("ascii")
    return chars[: -(-8 * len(data) // 5)]


def b32decode_strict(text: str) -> bytes:
    """Decode unpadded Base32; raise ``ValueError`` saying why the text is not canonical."""
    tail = len(text) % 8
    if tail not in _UNUSED_BITS:
        raise ValueError(f"{len(text)} Base32 characters encode no whole number of bytes")
    bad = _NOT_BASE32.search(text)
    if bad is not None:
        index = bad.start()
        raise ValueError(f"{text[index]!r} at position {index} is not a Base32 character [A-Z2-7]")
    if not text:
        return b""
    unused = _UNUSED_BITS[tail]
    if _VALUES[text[-1]] & ((1 << unused) - 1):
        raise ValueError("the last Base32 character has non-zero unused bits")
    number = int(text.translate(_TO_BASE32HEX), 32) >> unused
    return number.to_bytes((5 * len(text) - unused) // 8, "big")


@functools.lru_cache(maxsize=64)
def _spread_masks(units: int) -> tuple[tuple[int, int, int], ...]:
    """The masks of :data:`_SLOT_STEPS` repeated over ``units`` slots."""

    def repeat(mask: int) -> int:
        return int.from_bytes(mask.to_bytes(8, "big") * units, "big")

    return tuple((repeat(low), repeat(high), shift) for low, high, shift in _SLOT_STEPS)
