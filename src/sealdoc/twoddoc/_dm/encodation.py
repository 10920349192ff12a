"""Data encodation of a 2D-Doc into ECC 200 codewords, as the 2D-Doc specification lays it out.

Spec v3.2.6 §10.7.1 (v02-v04): latch to C40 (230), header, message, ``<US>`` and Base32
signature all in C40; leave C40 (254) if the values do not end on a triplet or if room is left;
then pad (129, then 253-state randomised pads, §10.6). §10.7.2 (v01) and §3.7 (v04 mixed): the
C40 part, then 254 231 (or 231 if already back in ASCII) and a Base256 field (255-state
randomised, §10.5). A code starting with a binary header byte (0xDC, or 0xEE for a binary
multi-code envelope) is Base256 from the first byte.

C40 values of the characters (spec table 3): basic set for space, digits and capitals; Shift1
(value 0) for control characters, so ``<GS>`` is 0 29 — not FNC1; Shift2 (1) for punctuation;
Shift3 (2) for lower case. Bytes 128-255 are never put in C40 (they go to Base256).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import ecc200

__all__ = ["Encoded", "c40_values", "encode_codewords"]

LATCH_C40 = 230
LATCH_BASE256 = 231
UNLATCH = 254
PAD = 129

#: Size of the raw signature at the end of a v01 code (spec §3.5.2: 64 bytes, P-256).
V01_SIGNATURE_LENGTH = 64


def _c40_table() -> tuple[tuple[int, ...], ...]:
    table: list[tuple[int, ...]] = []
    for byte in range(128):
        if byte == 32:
            table.append((3,))
        elif 48 <= byte <= 57:
            table.append((byte - 44,))
        elif 65 <= byte <= 90:
            table.append((byte - 51,))
        elif byte < 32:
            table.append((0, byte))
        elif 33 <= byte <= 47:
            table.append((1, byte - 33))
        elif 58 <= byte <= 64:
            table.append((1, byte - 43))
        elif 91 <= byte <= 95:
            table.append((1, byte - 69))
        else:  # 96..127
            table.append((2, byte - 96))
    return tuple(table)


_C40 = _c40_table()


def c40_values(data: bytes) -> list[int]:
    """The C40 values (0-39) of ASCII ``data`` (spec §10.3.1)."""
    return [v for byte in data for v in _C40[byte]]


@dataclass(frozen=True)
class Encoded:
    """Data codewords before padding, and the mode the stream ends in."""

    codewords: bytes
    ends_in_c40: bool


def _pack_c40(values: list[int]) -> list[int]:
    out: list[int] = []
    for i in range(0, len(values), 3):
        c1, c2, c3 = values[i : i + 3]
        v = 1600 * c1 + 40 * c2 + c3 + 1
        out += (v >> 8, v & 0xFF)
    return out


def _c40_segment(text: bytes) -> tuple[list[int], bool]:
    """Codewords for ``text`` starting from ASCII mode; True if they end in C40 mode.

    Follows §10.3.2: two leftover values are padded with Shift1 (0); one leftover value means
    the last character is written in ASCII after leaving C40.
    """
    if not text:
        return [], False
    values = c40_values(text)
    tail: list[int] = []
    if len(values) % 3 == 1:
        last = text[-1]
        values = values[: -len(_C40[last])]
        tail = [last + 1]
    if len(values) % 3 == 2:
        values.append(0)
    out = [LATCH_C40, *_pack_c40(values)] if values else []
    if tail:
        out += [UNLATCH, *tail] if values else tail
        return out, False
    return out, True


def _base256_segment(data: bytes, start: int) -> list[int]:
    """Base256 latch, length and data from ASCII mode; ``start`` = index of the latch."""
    n = len(data)
    length = [n] if n <= 249 else [n // 250 + 249, n % 250]
    out = [LATCH_BASE256]
    for byte in (*length, *data):
        position = start + len(out) + 1  # 1-based position in the codeword stream
        value = byte + (149 * position) % 255 + 1
        out.append(value if value <= 255 else value - 256)
    return out


def binary_start(data: bytes) -> int:
    """Where the Base256 part of a 2D-Doc begins (``len(data)`` if it has none).

    A binary header (0xDC) or binary multi-code envelope (0xEE) makes everything binary; a
    v01 code ends with its raw signature; otherwise the first byte above 127 starts it.
    """
    if not data or data[0] >= 0x80:
        return 0
    if data.startswith(b"DC01") and len(data) > V01_SIGNATURE_LENGTH + 22:
        return len(data) - V01_SIGNATURE_LENGTH
    for i, byte in enumerate(data):
        if byte >= 0x80:
            return i
    return len(data)


def encode_codewords(data: bytes, *, binary_from: int | None = None) -> Encoded:
    """Data codewords (no padding) for ``data``: C40 up to ``binary_from``, Base256 after."""
    split = binary_start(data) if binary_from is None else binary_from
    text, binary = data[:split], data[split:]
    out, in_c40 = _c40_segment(text)
    if binary:
        if in_c40:
            out.append(UNLATCH)
        out += _base256_segment(binary, len(out))
        in_c40 = False
    return Encoded(bytes(out), in_c40)


def pad(encoded: Encoded, size: ecc200.SymbolSize) -> bytes:
    """The full data codeword stream for ``size``: unlatch if room is left, then pads (§10.6)."""
    out = bytearray(encoded.codewords)
    capacity = size.data_codewords
    if len(out) > capacity:
        raise ValueError("data does not fit the symbol")
    if len(out) < capacity and encoded.ends_in_c40:
        out.append(UNLATCH)
    if len(out) < capacity:
        out.append(PAD)
    while len(out) < capacity:
        position = len(out) + 1
        value = PAD + (149 * position) % 253 + 1
        out.append(value if value <= 254 else value - 254)
    return bytes(out)
