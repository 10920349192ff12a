"""ECC 200 symbol construction: size table, Reed-Solomon error correction, module placement.

Pure Python, no dependency. The algorithms are those of ISO/IEC 16022:2006 (the standard the
2D-Doc specification points to in its §10): Reed-Solomon over GF(256) with the prime polynomial
x^8 + x^5 + x^3 + x^2 + 1 (0x12D) and generator roots alpha^1..alpha^n, blocks interleaved
codeword by codeword, and the "utah" placement of Annex F. Only the square sizes exist here:
2D-Doc allows nothing else (spec §4).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

__all__ = ["SQUARE_SIZES", "SymbolSize", "build_matrix", "smallest_size_for", "symbol_size"]


@dataclass(frozen=True)
class SymbolSize:
    """One square ECC 200 symbol size (ISO/IEC 16022 table 7)."""

    size: int  #: modules per side, finder patterns included
    region: int  #: data modules per side of one data region
    data_codewords: int
    ecc_codewords: int  #: total, over every interleaved block
    blocks: int  #: number of interleaved Reed-Solomon blocks

    @property
    def regions_per_side(self) -> int:
        return (self.size - 2 * (self.size // (self.region + 2))) // self.region

    @property
    def mapping_size(self) -> int:
        """Side of the mapping matrix: the data regions without their finder patterns."""
        return self.regions_per_side * self.region


SQUARE_SIZES: tuple[SymbolSize, ...] = tuple(
    SymbolSize(*row)
    for row in (
        (10, 8, 3, 5, 1),
        (12, 10, 5, 7, 1),
        (14, 12, 8, 10, 1),
        (16, 14, 12, 12, 1),
        (18, 16, 18, 14, 1),
        (20, 18, 22, 18, 1),
        (22, 20, 30, 20, 1),
        (24, 22, 36, 24, 1),
        (26, 24, 44, 28, 1),
        (32, 14, 62, 36, 1),
        (36, 16, 86, 42, 1),
        (40, 18, 114, 48, 1),
        (44, 20, 144, 56, 1),
        (48, 22, 174, 68, 1),
        (52, 24, 204, 84, 2),
        (64, 14, 280, 112, 2),
        (72, 16, 368, 144, 4),
        (80, 18, 456, 192, 4),
        (88, 20, 576, 224, 4),
        (96, 22, 696, 272, 4),
        (104, 24, 816, 336, 6),
        (120, 18, 1050, 408, 6),
        (132, 20, 1304, 496, 8),
        (144, 22, 1558, 620, 10),
    )
)


def symbol_size(size: int) -> SymbolSize:
    """The square size with ``size`` modules per side; ``KeyError`` if there is none."""
    for candidate in SQUARE_SIZES:
        if candidate.size == size:
            return candidate
    raise KeyError(size)


def smallest_size_for(n_codewords: int, *, at_least: int = 0) -> SymbolSize | None:
    """The smallest square size holding ``n_codewords`` data codewords, or ``None``."""
    for candidate in SQUARE_SIZES:
        if candidate.size >= at_least and candidate.data_codewords >= n_codewords:
            return candidate
    return None


# --- Reed-Solomon over GF(256), primitive polynomial 0x12D ---------------------------------


def _gf_tables() -> tuple[list[int], list[int]]:
    exp = [0] * 512
    log = [0] * 256
    value = 1
    for power in range(255):
        exp[power] = value
        log[value] = power
        value <<= 1
        if value & 0x100:
            value ^= 0x12D
    for power in range(255, 512):
        exp[power] = exp[power - 255]
    return exp, log


_EXP, _LOG = _gf_tables()


@cache
def _generator(n: int) -> tuple[int, ...]:
    """Coefficients of prod_{i=1..n} (x + alpha^i), highest degree first, leading 1 dropped."""
    poly = [1]
    for i in range(1, n + 1):
        root = _EXP[i]
        nxt = [*poly, 0]
        for j, coef in enumerate(poly):
            if coef:
                nxt[j + 1] ^= _EXP[_LOG[coef] + _LOG[root]]
        poly = nxt
    return tuple(poly[1:])


@cache
def _products(n: int) -> tuple[int, ...]:
    """For each byte f, the generator coefficients times f, packed big-endian in one integer."""
    gen = _generator(n)
    rows = [0]
    for factor in range(1, 256):
        log_f = _LOG[factor]
        row = bytes(_EXP[log_f + _LOG[g]] if g else 0 for g in gen)
        rows.append(int.from_bytes(row, "big"))
    return tuple(rows)


def _rs_block(data: bytes, n_ecc: int) -> bytes:
    """The ``n_ecc`` error correction codewords of one block (polynomial division remainder).

    The shift register is one integer, so each data codeword costs one shift and one XOR with
    a precomputed row instead of ``n_ecc`` field multiplications.
    """
    rows = _products(n_ecc)
    top = 8 * (n_ecc - 1)
    mask = (1 << (8 * n_ecc)) - 1
    register = 0
    for byte in data:
        register = ((register << 8) & mask) ^ rows[byte ^ (register >> top)]
    return register.to_bytes(n_ecc, "big")


def add_error_correction(data: bytes, size: SymbolSize) -> bytes:
    """``data`` (exactly ``size.data_codewords`` long) followed by its interleaved ECC."""
    if len(data) != size.data_codewords:
        raise ValueError(f"expected {size.data_codewords} data codewords, got {len(data)}")
    blocks = size.blocks
    per_block_ecc = size.ecc_codewords // blocks
    out = bytearray(data)
    out.extend(bytes(size.ecc_codewords))
    for b in range(blocks):
        ecc = _rs_block(data[b::blocks], per_block_ecc)
        for j, value in enumerate(ecc):
            out[size.data_codewords + j * blocks + b] = value
    return bytes(out)


# --- Module placement (ISO/IEC 16022 annex F) ------------------------------------------------


@cache
def _placement(n: int) -> tuple[int, ...]:
    """For an n x n mapping matrix, each cell's (codeword index << 3 | bit), 1 = fixed dark.

    Codeword indexes are 1-based; bit 7 is the most significant bit. 0 never remains.
    """
    cells = [0] * (n * n)

    def put(r: int, c: int, p: int, bit: int) -> None:
        if r < 0:
            r += n
            c += 4 - ((n + 4) % 8)
        if c < 0:
            c += n
            r += 4 - ((n + 4) % 8)
        cells[r * n + c] = (p << 3) | bit

    def utah(r: int, c: int, p: int) -> None:
        put(r - 2, c - 2, p, 7)
        put(r - 2, c - 1, p, 6)
        put(r - 1, c - 2, p, 5)
        put(r - 1, c - 1, p, 4)
        put(r - 1, c, p, 3)
        put(r, c - 2, p, 2)
        put(r, c - 1, p, 1)
        put(r, c, p, 0)

    corners: dict[str, tuple[tuple[int, int], ...]] = {
        "A": ((n - 1, 0), (n - 1, 1), (n - 1, 2), (0, n - 2), (0, n - 1), (1, n - 1),
              (2, n - 1), (3, n - 1)),
        "B": ((n - 3, 0), (n - 2, 0), (n - 1, 0), (0, n - 4), (0, n - 3), (0, n - 2),
              (0, n - 1), (1, n - 1)),
        "C": ((n - 3, 0), (n - 2, 0), (n - 1, 0), (0, n - 2), (0, n - 1), (1, n - 1),
              (2, n - 1), (3, n - 1)),
        "D": ((n - 1, 0), (n - 1, n - 1), (0, n - 3), (0, n - 2), (0, n - 1), (1, n - 3),
              (1, n - 2), (1, n - 1)),
    }  # fmt: skip

    def corner(name: str, p: int) -> None:
        for bit, (r, c) in zip(range(7, -1, -1), corners[name], strict=True):
            put(r, c, p, bit)

    p, r, c = 1, 4, 0
    while True:
        if r == n and c == 0:
            corner("A", p)
            p += 1
        if r == n - 2 and c == 0 and n % 4:
            corner("B", p)
            p += 1
        if r == n - 2 and c == 0 and n % 8 == 4:
            corner("C", p)
            p += 1
        if r == n + 4 and c == 2 and n % 8 == 0:
            corner("D", p)
            p += 1
        while True:  # sweep up and right
            if r < n and c >= 0 and not cells[r * n + c]:
                utah(r, c, p)
                p += 1
            r -= 2
            c += 2
            if not (r >= 0 and c < n):
                break
        r += 1
        c += 3
        while True:  # sweep down and left
            if r >= 0 and c < n and not cells[r * n + c]:
                utah(r, c, p)
                p += 1
            r += 2
            c -= 2
            if not (r < n and c >= 0):
                break
        r += 3
        c += 1
        if not (r < n or c < n):
            break
    if not cells[n * n - 1]:  # the unfilled 2x2 corner of some sizes
        cells[n * n - 1] = cells[n * n - n - 2] = 1
    return tuple(cells)


@cache
def _layout(size: SymbolSize) -> tuple[bytes, tuple[tuple[int, int, int], ...]]:
    """The fixed modules (finder and clock patterns, unfilled corner) of a size, as a flat
    row-major 0/1 grid, and for each data module its (flat index, codeword index, bit).
    """
    s, d = size.size, size.region
    grid = bytearray(s * s)
    for top in range(0, s, d + 2):  # each data region: solid bottom row, clock track on top
        for x in range(s):
            grid[(top + d + 1) * s + x] = 1
            if x % 2 == 0:
                grid[top * s + x] = 1
    for left in range(0, s, d + 2):  # solid left column, clock track on the right
        for y in range(s):
            grid[y * s + left] = 1
            if y % 2 == 1:
                grid[y * s + left + d + 1] = 1
    n = size.mapping_size
    cells = _placement(n)
    modules: list[tuple[int, int, int]] = []
    for r in range(n):
        row = r + 2 * (r // d) + 1
        for c in range(n):
            index = row * s + c + 2 * (c // d) + 1
            cell = cells[r * n + c]
            if cell == 1:
                grid[index] = 1
            elif cell >= 8:
                modules.append((index, (cell >> 3) - 1, cell & 7))
    return bytes(grid), tuple(modules)


def build_matrix(codewords: bytes, size: SymbolSize) -> tuple[tuple[bool, ...], ...]:
    """The module matrix (rows top to bottom, ``True`` = dark) of a complete codeword stream.

    ``codewords`` is data followed by error correction, as :func:`add_error_correction` makes.
    """
    if len(codewords) != size.data_codewords + size.ecc_codewords:
        raise ValueError("codeword stream does not match the symbol size")
    fixed, modules = _layout(size)
    grid = bytearray(fixed)
    for index, codeword, bit in modules:
        if codewords[codeword] >> bit & 1:
            grid[index] = 1
    s = size.size
    return tuple(tuple(map(bool, grid[y * s : (y + 1) * s])) for y in range(s))
