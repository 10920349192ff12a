"""RFC 6962 Merkle tree: reference vectors, then properties over many tree shapes.

Provenance of the vectors: the Certificate Transparency reference test data, as published in
transparency-dev/merkle (``testonly/constants.go``: leaf inputs, node hashes and root hashes of
the 8-leaf tree; ``proof/verify_test.go``: inclusion and consistency proofs; the leaf numbers
there are 1-based, converted to 0-based indices here). They were produced by the original C++
CT log implementation, independently of this code.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealdoc._internal.merkle import (
    MerkleTree,
    empty_root,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    bytes.fromhex(h)
    for h in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
LEAF_HASHES = [
    bytes.fromhex(h)
    for h in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    )
]


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# (index, size, proof): 0-based index.
INCLUSION_VECTORS = [
    (
        0,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        1,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]

# (old_size, new_size, proof)
CONSISTENCY_VECTORS = [
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

REFERENCE_TREE = MerkleTree([leaf_hash(d) for d in LEAF_INPUTS])


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH straight from the RFC 6962 definition, independent of the cached implementation."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def synthetic_leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def flip(value: bytes, bit: int = 3) -> bytes:
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


# --------------------------------------------------------------------------- reference vectors


def test_empty_root_is_sha256_of_nothing() -> None:
    assert empty_root() == ROOTS[0]
    assert MerkleTree([]).root() == ROOTS[0]


def test_leaf_hashes_match_the_reference() -> None:
    assert [leaf_hash(d) for d in LEAF_INPUTS] == LEAF_HASHES


@pytest.mark.parametrize("size", range(9))
def test_root_of_every_prefix_matches_the_reference(size: int) -> None:
    assert REFERENCE_TREE.root_at(size) == ROOTS[size]
    assert MerkleTree(LEAF_HASHES[:size]).root() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS)
def test_inclusion_proof_matches_the_reference(index: int, size: int, proof: list[bytes]) -> None:
    assert REFERENCE_TREE.inclusion_proof(index, size) == proof
    assert verify_inclusion(LEAF_HASHES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_VECTORS)
def test_consistency_proof_matches_the_reference(old: int, new: int, proof: list[bytes]) -> None:
    assert REFERENCE_TREE.consistency_proof(old, new) == proof
    assert verify_consistency(old, ROOTS[old], new, ROOTS[new], proof)


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS)
def test_corrupted_reference_inclusion_proofs_are_rejected(
    index: int, size: int, proof: list[bytes]
) -> None:
    leaf, root = LEAF_HASHES[index], ROOTS[size]
    some = h("abacaba000000000000000000000000000000000000000000060061e00123456")
    probes = [
        (leaf, index - 1, size, proof, root),
        (leaf, index + 1, size, proof, root),
        (leaf, index ^ 2, size, proof, root),
        (leaf, index, size * 2, proof, root),
        (leaf, index, size // 2, proof, root),
        (b"WrongLeaf", index, size, proof, root),
        (leaf, index, size, proof, empty_root()),
        (leaf, index, size, proof, some),
        (leaf, index, size, [*proof, b""], root),
        (leaf, index, size, [*proof, root], root),
        (leaf, index, size, [b"", *proof], root),
        (leaf, index, size, [root, *proof], root),
        (leaf, index, size, proof[:-1], root),
        (leaf, index, size, [proof[0], some, *proof[1:]], root),
    ]
    probes += [
        (leaf, index, size, [*proof[:i], flip(p), *proof[i + 1 :]], root)
        for i, p in enumerate(proof)
    ]
    for probe in probes:
        assert not verify_inclusion(*probe), probe


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_VECTORS)
def test_corrupted_reference_consistency_proofs_are_rejected(
    old: int, new: int, proof: list[bytes]
) -> None:
    r1, r2 = ROOTS[old], ROOTS[new]
    probes = [
        (old - 1, r1, new, r2, proof),
        (old + 1, r1, new, r2, proof),
        (old ^ 2, r1, new, r2, proof),
        (old, r1, new * 2, r2, proof),
        (old, r1, new // 2, r2, proof),
        (old, b"WrongRoot", new, r2, proof),
        (old, r1, new, b"WrongRoot", proof),
        (old, r2, new, r1, proof),
        (old, r1, new, r2, []),
        (old, r1, new, r2, [*proof, b""]),
        (old, r1, new, r2, [*proof, r1]),
        (old, r1, new, r2, [*proof, r2]),
        (old, r1, new, r2, [b"", *proof]),
        (old, r1, new, r2, [r1, *proof]),
        (old, r1, new, r2, [r2, *proof]),
        (old, r1, new, r2, [proof[0], *proof]),
        (old, r1, new, r2, proof[:-1]),
    ]
    probes += [
        (old, r1, new, r2, [*proof[:i], flip(p, 4), *proof[i + 1 :]]) for i, p in enumerate(proof)
    ]
    for probe in probes:
        assert not verify_consistency(*probe), probe


# --------------------------------------------------------------------------- edge cases


def test_single_leaf_tree_has_the_leaf_as_root_and_an_empty_proof() -> None:
    leaf = leaf_hash(b"data")
    tree = MerkleTree([leaf])
    assert tree.root() == leaf
    assert tree.inclusion_proof(0) == []
    assert verify_inclusion(leaf, 0, 1, [], leaf)
    assert not verify_inclusion(leaf, 0, 1, [], b"")


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (2, 1), (-1, 4)])
def test_inclusion_with_an_index_outside_the_tree_is_rejected(index: int, size: int) -> None:
    assert not verify_inclusion(leaf_hash(b"x"), index, size, [], empty_root())


def test_consistency_between_equal_sizes_needs_equal_roots_and_an_empty_proof() -> None:
    root = ROOTS[3]
    assert verify_consistency(3, root, 3, root, [])
    assert not verify_consistency(3, root, 3, ROOTS[4], [])
    assert not verify_consistency(3, root, 3, root, [root])


def test_consistency_from_the_empty_tree_needs_the_empty_root() -> None:
    assert verify_consistency(0, empty_root(), 5, ROOTS[5], [])
    assert not verify_consistency(0, ROOTS[1], 5, ROOTS[5], [])
    assert not verify_consistency(0, empty_root(), 5, ROOTS[5], [ROOTS[1]])


def test_consistency_backwards_in_time_is_rejected() -> None:
    assert not verify_consistency(5, ROOTS[5], 3, ROOTS[3], [])


def test_leaf_hash_of_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="expected 32"):
        MerkleTree([b"short"])


def test_proof_requests_outside_the_tree_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        REFERENCE_TREE.inclusion_proof(8)
    with pytest.raises(ValueError, match="outside"):
        REFERENCE_TREE.consistency_proof(9)
    with pytest.raises(ValueError, match="outside"):
        REFERENCE_TREE.root_at(9)


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    # a leaf whose data is two concatenated hashes must not collide with their interior node
    a, b = LEAF_HASHES[0], LEAF_HASHES[1]
    assert leaf_hash(a + b) != node_hash(a, b)


# --------------------------------------------------------------------------- properties

sizes = st.integers(min_value=1, max_value=70)


@settings(max_examples=60, deadline=None)
@given(size=sizes, data=st.data())
def test_every_inclusion_proof_verifies_and_a_tampered_one_does_not(
    size: int, data: st.DataObject
) -> None:
    leaves = synthetic_leaves(size)
    tree = MerkleTree(leaves)
    root = tree.root()
    assert root == reference_root(leaves)
    index = data.draw(st.integers(0, size - 1))
    proof = tree.inclusion_proof(index)
    assert verify_inclusion(leaves[index], index, size, proof, root)
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 7))
        tampered = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]
        assert not verify_inclusion(leaves[index], index, size, tampered, root)
        assert not verify_inclusion(leaves[index], index, size, proof[:-1], root)
    other = data.draw(st.integers(0, size - 1))
    if other != index:
        assert not verify_inclusion(leaves[other], index, size, proof, root)
        assert not verify_inclusion(leaves[index], other, size, proof, root)


@settings(max_examples=60, deadline=None)
@given(new_size=sizes, data=st.data())
def test_every_consistency_proof_verifies_and_a_tampered_one_does_not(
    new_size: int, data: st.DataObject
) -> None:
    leaves = synthetic_leaves(new_size)
    tree = MerkleTree(leaves)
    old_size = data.draw(st.integers(0, new_size))
    proof = tree.consistency_proof(old_size)
    old_root, new_root = tree.root_at(old_size), tree.root()
    assert old_root == reference_root(leaves[:old_size])
    assert verify_consistency(old_size, old_root, new_size, new_root, proof)
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 7))
        tampered = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]
        assert not verify_consistency(old_size, old_root, new_size, new_root, tampered)
        assert not verify_consistency(old_size, old_root, new_size, new_root, proof[:-1])
    if 0 < old_size < new_size:
        # an archive whose earlier part was rewritten is not consistent with the old head
        rewritten = list(leaves)
        victim = data.draw(st.integers(0, old_size - 1))
        rewritten[victim] = leaf_hash(b"substituted")
        forged = MerkleTree(rewritten)
        assert not verify_consistency(
            old_size, old_root, new_size, forged.root(), forged.consistency_proof(old_size)
        )


def test_all_proofs_of_a_mid_sized_tree_verify() -> None:
    leaves = synthetic_leaves(33)
    tree = MerkleTree(leaves)
    for size in range(1, 34):
        root = tree.root_at(size)
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            assert verify_inclusion(leaves[index], index, size, proof, root)
        for old in range(size + 1):
            proof = tree.consistency_proof(old, size)
            assert verify_consistency(old, tree.root_at(old), size, root, proof)
