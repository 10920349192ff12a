"""Merkle trees as Certificate Transparency defines them (RFC 6962 §2.1, RFC 9162 §2.1).

Used by the archive manifest (``sealdoc archive manifest/check``) and by the delivery
service's evidence log::

    from sealdoc._internal.merkle import MerkleTree, leaf_hash, verify_inclusion

    tree = MerkleTree([leaf_hash(entry) for entry in entries])
    root = tree.root()
    proof = tree.inclusion_proof(3)
    assert verify_inclusion(leaf_hash(entries[3]), 3, tree.size, proof, root)
    assert verify_consistency(5, tree.root_at(5), tree.size, root, tree.consistency_proof(5))

Hashing is SHA-256 with domain separation: a leaf is ``SHA-256(0x00 || data)``, an interior node
``SHA-256(0x01 || left || right)``, and the empty tree ``SHA-256()``. A tree of ``n > 1`` leaves
splits at ``k``, the largest power of two smaller than ``n`` (not the midpoint), so roots and
proofs interoperate with every other RFC 6962 implementation (the test vectors come from the
Certificate Transparency reference, see ``tests/unit/audit/test_merkle.py``).

Verification never raises on a malformed proof: it returns ``False``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

__all__ = [
    "HASH_SIZE",
    "MerkleTree",
    "empty_root",
    "leaf_hash",
    "node_hash",
    "verify_consistency",
    "verify_inclusion",
]

#: Length in bytes of every hash in a tree (SHA-256).
HASH_SIZE = 32

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def empty_root() -> bytes:
    """The root hash of the tree with no leaves: ``SHA-256()`` of nothing."""
    return hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """The hash of a leaf holding ``data``: ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """An immutable Merkle tree over a sequence of leaf hashes (compute them with
    :func:`leaf_hash`).

    Hashes of complete subtrees are cached, so proofs for many leaves of a large tree cost
    little more than building the tree once.
    """

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        leaves = tuple(bytes(h) for h in leaf_hashes)
        for index, value in enumerate(leaves):
            if len(value) != HASH_SIZE:
                raise ValueError(
                    f"leaf hash {index} is {len(value)} bytes long; expected {HASH_SIZE}"
                )
        self._leaves = leaves
        self._cache: dict[tuple[int, int], bytes] = {}

    @property
    def size(self) -> int:
        """The number of leaves."""
        return len(self._leaves)

    @property
    def leaf_hashes(self) -> tuple[bytes, ...]:
        return self._leaves

    def root(self) -> bytes:
        """The tree head: the Merkle tree hash of all leaves."""
        return self.root_at(self.size)

    def root_at(self, size: int) -> bytes:
        """The root hash the tree had when it held its first ``size`` leaves."""
        if not 0 <= size <= self.size:
            raise ValueError(f"size {size} is outside 0..{self.size}")
        if size == 0:
            return empty_root()
        return self._hash(0, size)

    def _hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for a non-empty range."""
        n = end - start
        if n == 1:
            return self._leaves[start]
        key = (start, end)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        k = _split(n)
        value = node_hash(self._hash(start, start + k), self._hash(start + k, end))
        self._cache[key] = value
        return value

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of the first ``size`` leaves
        (default: all), leaf to root (RFC 6962 §2.1.1 ``PATH``)."""
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ValueError(f"size {size} is outside 0..{self.size}")
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} is outside a tree of {size} leaves")
        return self._path(index, 0, size)

    def _path(self, index: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = _split(n)
        if index < k:
            return [*self._path(index, start, start + k), self._hash(start + k, end)]
        return [*self._path(index - k, start + k, end), self._hash(start, start + k)]

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """Proof that the tree of ``old_size`` leaves is a prefix of the tree of ``new_size``
        leaves (default: all) (RFC 6962 §2.1.2 ``PROOF``). Empty when ``old_size`` is 0 or
        equal to ``new_size``."""
        new_size = self.size if new_size is None else new_size
        if not 0 <= new_size <= self.size:
            raise ValueError(f"size {new_size} is outside 0..{self.size}")
        if not 0 <= old_size <= new_size:
            raise ValueError(f"old size {old_size} is outside 0..{new_size}")
        if old_size in (0, new_size):
            return []
        return self._subproof(old_size, 0, new_size, complete=True)

    def _subproof(self, m: int, start: int, end: int, *, complete: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if complete else [self._hash(start, end)]
        k = _split(n)
        if m <= k:
            return [
                *self._subproof(m, start, start + k, complete=complete),
                self._hash(start + k, end),
            ]
        return [
            *self._subproof(m - k, start + k, end, complete=False),
            self._hash(start, start + k),
        ]


def _valid_hashes(*values: bytes) -> bool:
    return all(isinstance(v, bytes | bytearray) and len(v) == HASH_SIZE for v in values)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows that ``leaf`` (a leaf *hash*) is leaf number ``index`` of the tree
    of ``size`` leaves whose root is ``root`` (RFC 9162 §2.1.3.2)."""
    if not _valid_hashes(leaf, root, *proof) or not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = bytes(leaf)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, old_root: bytes, new_size: int, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows that the tree of ``old_size`` leaves with root ``old_root`` is a
    prefix of the tree of ``new_size`` leaves with root ``new_root`` (RFC 9162 §2.1.4.2).

    Edge cases are strict: from an empty tree the proof must be empty and ``old_root`` the
    empty root; between equal sizes the proof must be empty and the roots equal.
    """
    if not _valid_hashes(old_root, new_root, *proof) or not 0 <= old_size <= new_size:
        return False
    if old_size == 0:
        return not proof and old_root == empty_root()
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, bytes(old_root))
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
