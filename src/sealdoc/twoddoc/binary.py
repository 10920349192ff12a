"""Binary message blocks (§3.4.2) and the binary signature block (§3.5.2), v04.

A block is one DI byte (any value but ``0xFF``), a length (one byte ``0x00``-``0xFE``, or
``0xFF`` followed by a 2-byte big-endian length) and the data. The signature block is ``0xFF``,
one length byte (0-254) and the raw signature; annex blocks may follow it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sealdoc.errors import EncodingError, ParseError

__all__ = [
    "SIGNATURE_MARKER",
    "BinaryBlock",
    "BinaryTail",
    "encode_blocks",
    "encode_signature_block",
    "parse_blocks",
    "parse_tail",
]

SIGNATURE_MARKER = 0xFF
_LONG_LENGTH = 0xFF


@dataclass(frozen=True)
class BinaryBlock:
    id: int
    data: bytes
    #: Offset of the DI byte in the bytes given to :func:`parse_blocks`.
    offset: int


@dataclass(frozen=True)
class BinaryTail:
    """What follows the C40 part (mixed code) or the binary header: message, signature, annex."""

    message: tuple[BinaryBlock, ...]
    #: Offset of the signature marker (= length of the signed bytes from ``start``), or ``None``.
    signature_offset: int | None
    signature: bytes | None
    annex: tuple[BinaryBlock, ...]


def parse_blocks(
    data: bytes, start: int, *, stop_at_signature: bool
) -> tuple[list[BinaryBlock], int]:
    """Blocks from ``start`` up to the signature marker (or the end): (blocks, end offset)."""
    blocks = []
    position = start
    while position < len(data):
        block_id = data[position]
        if block_id == SIGNATURE_MARKER:
            if stop_at_signature:
                break
            raise ParseError("a second signature block (ID 0xFF) in the annex", offset=position)
        if position + 1 >= len(data):
            raise ParseError(f"binary block 0x{block_id:02X} has no length byte", offset=position)
        length = data[position + 1]
        header = 2
        if length == _LONG_LENGTH:
            if position + 4 > len(data):
                raise ParseError("binary block: truncated 3-byte length", offset=position)
            length = int.from_bytes(data[position + 2 : position + 4], "big")
            header = 4
        end = position + header + length
        if end > len(data):
            raise ParseError(
                f"binary block 0x{block_id:02X} announces {length} bytes, "
                f"only {len(data) - position - header} follow",
                offset=position,
            )
        blocks.append(BinaryBlock(block_id, data[position + header : end], position))
        position = end
    return blocks, position


def parse_tail(data: bytes, start: int) -> BinaryTail:
    """Binary message blocks, the signature block and annex blocks from ``start`` to the end."""
    message, position = parse_blocks(data, start, stop_at_signature=True)
    if position >= len(data):
        return BinaryTail(tuple(message), None, None, ())
    if position + 1 >= len(data):
        raise ParseError("the binary signature block has no length byte", offset=position)
    length = data[position + 1]
    end = position + 2 + length
    if end > len(data):
        raise ParseError(
            f"the binary signature announces {length} bytes, only {len(data) - position - 2} "
            "follow",
            offset=position,
        )
    annex, _ = parse_blocks(data, end, stop_at_signature=False)
    return BinaryTail(tuple(message), position, data[position + 2 : end], tuple(annex))


def encode_blocks(blocks: Sequence[tuple[int, bytes]]) -> bytes:
    out = bytearray()
    for block_id, payload in blocks:
        if not 0 <= block_id < SIGNATURE_MARKER:
            raise EncodingError(f"binary DI must be 0x00-0xFE, got {block_id:#x}")
        if len(payload) < _LONG_LENGTH:
            out += bytes([block_id, len(payload)])
        elif len(payload) <= 0xFFFF:
            out += bytes([block_id, _LONG_LENGTH]) + len(payload).to_bytes(2, "big")
        else:
            raise EncodingError(f"binary block 0x{block_id:02X}: {len(payload)} bytes > 65535")
        out += payload
    return bytes(out)


def encode_signature_block(signature: bytes) -> bytes:
    if len(signature) > 254:
        raise EncodingError(f"a binary signature holds at most 254 bytes, got {len(signature)}")
    return bytes([SIGNATURE_MARKER, len(signature)]) + signature
