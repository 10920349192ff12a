"""C40 triplets as the binary 2D-Doc format writes text (§3.3.4, §3.4.2, §10.3.2).

Three characters of the C40 basic set (space, 0-9, A-Z) make one 16-bit value
``1600*c1 + 40*c2 + c3 + 1``: ``"FRA"`` is ``0x7BA7``. Only the basic set is supported here
(what the binary header holds); a shifted character is refused.
"""

from __future__ import annotations

__all__ = ["pack_c40", "unpack_c40"]

_BASIC = "\x00\x01\x02 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # 0-2 are shifts, 3 is space
_VALUES = {char: index for index, char in enumerate(_BASIC) if index >= 3}


def pack_c40(text: str) -> bytes:
    """``"FRA"`` -> ``7B A7``. The length must be a multiple of 3 (no padding here)."""
    if len(text) % 3:
        raise ValueError(f"C40 packs 3 characters at a time, {len(text)} given")
    out = bytearray()
    for i in range(0, len(text), 3):
        try:
            c1, c2, c3 = (_VALUES[char] for char in text[i : i + 3])
        except KeyError as exc:
            raise ValueError(f"{exc.args[0]!r} is not in the C40 basic set [ 0-9A-Z]") from None
        out += (1600 * c1 + 40 * c2 + c3 + 1).to_bytes(2, "big")
    return bytes(out)


def unpack_c40(data: bytes) -> str:
    """``7B A7`` -> ``"FRA"``; raises ``ValueError`` for a value outside the basic set."""
    if len(data) % 2:
        raise ValueError(f"C40 values are 2 bytes each, {len(data)} bytes given")
    chars = []
    for i in range(0, len(data), 2):
        value = int.from_bytes(data[i : i + 2], "big") - 1
        if not 0 <= value < 64000:
            raise ValueError(f"{data[i : i + 2].hex().upper()} is no C40 triplet")
        for code in (value // 1600, value // 40 % 40, value % 40):
            if code < 3:
                raise ValueError(
                    f"{data[i : i + 2].hex().upper()} holds a C40 shift, not a basic character"
                )
            chars.append(_BASIC[code])
    return "".join(chars)
