"""Specification tests for ggzy.ledger.merkle (RFC 6962 §2.1 / RFC 9162 §2.1, SHA-256)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ggzy.ledger import (
    IncrementalRoot,
    consistency_path,
    consistency_proof,
    inclusion_path,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    perfect_nodes_to_store,
    subtree_hash,
    verify_consistency,
    verify_inclusion,
)


def _h(hexes: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(x) for x in hexes]


# --------------------------------------------------------------------------------------------
# Reference vectors: google/certificate-transparency python/ct/crypto/
# in_memory_merkle_tree_test.py (and merkle_tree_test.cc), transparency-dev/merkle
# testonly/constants.go.  Leaf indices are 0-based.
# --------------------------------------------------------------------------------------------

LEAVES = _h(
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
)

EMPTY_ROOT = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

ROOTS = [
    EMPTY_ROOT,
    *_h(
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ]
    ),
]

# NODE_HASHES[level][index]: every complete subtree of the 8-leaf tree (transparency-dev/merkle).
NODE_HASHES = [
    _h(
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
        ]
    ),
    _h(
        [
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        ]
    ),
    _h(
        [
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ]
    ),
    _h(["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]),
]

# (index, tree_size, path)
INCLUSION_VECTORS = [
    (0, 1, []),
    (
        0,
        8,
        _h(
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        ),
    ),
    (
        5,
        8,
        _h(
            [
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
    ),
    (2, 3, _h(["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"])),
    # Upstream PathTestVector(1, 5, ...): the sibling of leaf 1 is leaf 0, H(0x00) = 6e34...
    (
        1,
        5,
        _h(
            [
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]
        ),
    ),
    # Leaf 0 of 5: sibling is leaf 1 (96a2...), then node [2, 4), then leaf 4.
    (
        0,
        5,
        _h(
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]
        ),
    ),
]

# (old_size, new_size, proof)
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (
        1,
        8,
        _h(
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ]
        ),
    ),
    (
        6,
        8,
        _h(
            [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ]
        ),
    ),
    (
        2,
        5,
        _h(
            [
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ]
        ),
    ),
]


# --------------------------------------------------------------------------------------------
# Naive reference, transcribed directly from RFC 6962 §2.1, §2.1.1 and §2.1.2
# --------------------------------------------------------------------------------------------


def _ref_k(n: int) -> int:
    k = 1
    while 2 * k < n:
        k *= 2
    return k


def ref_mth(d: Sequence[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _ref_k(n)
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: Sequence[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = _ref_k(n)
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = _ref_k(n)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def ref_proof(m: int, d: Sequence[bytes]) -> list[bytes]:
    return ref_subproof(m, d, True)


# --------------------------------------------------------------------------------------------
# Helpers and strategies
# --------------------------------------------------------------------------------------------


def counting_oracle(leaves: Sequence[bytes]) -> tuple[Callable[[int, int], bytes], list[int]]:
    """Return an oracle over complete subtrees of ``leaves`` and a one-element read counter."""
    reads = [0]

    def perfect(level: int, index: int) -> bytes:
        reads[0] += 1
        return ref_mth(leaves[index << level : (index + 1) << level])

    return perfect, reads


def prefix_roots(leaves: Sequence[bytes]) -> list[bytes]:
    """Return [MTH(D[0:0]), MTH(D[0:1]), ..., MTH(D[0:n])] in one pass."""
    acc = IncrementalRoot()
    roots = [acc.root()]
    for data in leaves:
        acc.append(leaf_hash(data))
        roots.append(acc.root())
    return roots


@st.composite
def leaf_lists(draw: st.DrawFn, max_size: int = 300, distinct: bool = False) -> list[bytes]:
    """Random leaf data (duplicates and empty leaves likely unless ``distinct``)."""
    n = draw(st.integers(1, max_size))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    leaves = [rng.randbytes(rng.randrange(0, 9)) for _ in range(n)]
    if distinct:
        leaves = [i.to_bytes(2, "big") + data for i, data in enumerate(leaves)]
    return leaves


FAST = settings(max_examples=25, deadline=None)
SLOW = settings(max_examples=10, deadline=None)


def flip_bit(proof: list[bytes], element: int, position: int) -> list[bytes]:
    """Return a copy of proof with one bit flipped in one element."""
    tampered = list(proof)
    element %= len(proof)
    byte = bytearray(tampered[element])
    byte[position % 32] ^= 1 << (position % 8)
    tampered[element] = bytes(byte)
    return tampered


# --------------------------------------------------------------------------------------------
# Known answers
# --------------------------------------------------------------------------------------------


def test_leaf_hash_is_sha256_of_zero_byte_prefix_and_data() -> None:
    assert leaf_hash(b"") == NODE_HASHES[0][0]
    assert leaf_hash(b"\x00") == NODE_HASHES[0][1]


def test_node_hash_is_sha256_of_one_byte_prefix_left_and_right() -> None:
    assert node_hash(NODE_HASHES[0][0], NODE_HASHES[0][1]) == NODE_HASHES[1][0]


def test_empty_tree_root_is_sha256_of_empty_string() -> None:
    assert merkle_root([]) == EMPTY_ROOT
    assert IncrementalRoot().root() == EMPTY_ROOT


@pytest.mark.parametrize("size", range(9))
def test_root_of_reference_leaves_matches_published_root(size: int) -> None:
    assert merkle_root(LEAVES[:size]) == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION_VECTORS)
def test_inclusion_proof_matches_published_path(index: int, size: int, path: list[bytes]) -> None:
    assert inclusion_proof(LEAVES[:size], index) == path


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION_VECTORS)
def test_published_inclusion_path_verifies(index: int, size: int, path: list[bytes]) -> None:
    assert verify_inclusion(leaf_hash(LEAVES[index]), index, size, path, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_VECTORS)
def test_consistency_proof_matches_published_proof(old: int, new: int, proof: list[bytes]) -> None:
    assert consistency_proof(LEAVES[:new], old) == proof


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_VECTORS)
def test_published_consistency_proof_verifies(old: int, new: int, proof: list[bytes]) -> None:
    assert verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


def test_appends_store_exactly_the_published_complete_subtrees() -> None:
    store: dict[tuple[int, int], bytes] = {}
    for i, data in enumerate(LEAVES):
        for level, index, digest in perfect_nodes_to_store(
            i, leaf_hash(data), lambda lv, ix: store[lv, ix]
        ):
            store[level, index] = digest
    expected = {
        (level, index): digest
        for level, row in enumerate(NODE_HASHES)
        for index, digest in enumerate(row)
    }
    assert store == expected


def test_appending_a_right_child_completes_every_ancestor_it_closes() -> None:
    store = {(0, 0): NODE_HASHES[0][0], (0, 1): NODE_HASHES[0][1], (0, 2): NODE_HASHES[0][2]}
    store[1, 0] = NODE_HASHES[1][0]
    entries = perfect_nodes_to_store(3, NODE_HASHES[0][3], lambda lv, ix: store[lv, ix])
    assert entries == [
        (0, 3, NODE_HASHES[0][3]),
        (1, 1, NODE_HASHES[1][1]),
        (2, 0, NODE_HASHES[2][0]),
    ]


def test_appending_a_left_child_stores_only_the_leaf() -> None:
    def never(level: int, index: int) -> bytes:
        raise AssertionError("a left child needs no sibling read")

    assert perfect_nodes_to_store(4, NODE_HASHES[0][4], never) == [(0, 4, NODE_HASHES[0][4])]


# --------------------------------------------------------------------------------------------
# Generators: agreement with the RFC definitions
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", range(1, 34))
def test_generators_equal_rfc_reference_for_every_index_of_small_trees(size: int) -> None:
    leaves = [i.to_bytes(1, "big") for i in range(size)]
    assert merkle_root(leaves) == ref_mth(leaves)
    for i in range(size):
        assert inclusion_proof(leaves, i) == ref_path(i, leaves)
    for m in range(1, size + 1):
        assert consistency_proof(leaves, m) == ref_proof(m, leaves)


@FAST
@given(leaves=leaf_lists(), data=st.data())
def test_oracle_generators_equal_rfc_reference(leaves: list[bytes], data: st.DataObject) -> None:
    n = len(leaves)
    index = data.draw(st.integers(0, n - 1), label="index")
    old = data.draw(st.integers(1, n), label="old_size")
    perfect, _ = counting_oracle(leaves)
    assert merkle_root(leaves) == ref_mth(leaves)
    assert subtree_hash(0, n, perfect) == ref_mth(leaves)
    assert inclusion_path(index, n, perfect) == ref_path(index, leaves)
    assert inclusion_proof(leaves, index) == ref_path(index, leaves)
    assert consistency_path(old, n, perfect) == ref_proof(old, leaves)
    assert consistency_proof(leaves, old) == ref_proof(old, leaves)


@FAST
@given(leaves=leaf_lists(), data=st.data())
def test_subtree_hash_equals_mth_of_any_leaf_range(
    leaves: list[bytes], data: st.DataObject
) -> None:
    start = data.draw(st.integers(0, len(leaves)), label="start")
    end = data.draw(st.integers(start, len(leaves)), label="end")
    perfect, _ = counting_oracle(leaves)
    assert subtree_hash(start, end, perfect) == ref_mth(leaves[start:end])


@FAST
@given(leaves=leaf_lists(), data=st.data())
def test_proofs_read_only_logarithmically_many_stored_subtrees(
    leaves: list[bytes], data: st.DataObject
) -> None:
    n = len(leaves)
    bound = 2 * n.bit_length()
    perfect, reads = counting_oracle(leaves)
    subtree_hash(0, n, perfect)
    assert reads[0] <= n.bit_count()
    reads[0] = 0
    inclusion_path(data.draw(st.integers(0, n - 1), label="index"), n, perfect)
    assert reads[0] <= bound
    reads[0] = 0
    consistency_path(data.draw(st.integers(0, n), label="old_size"), n, perfect)
    assert reads[0] <= bound


def test_consistency_proof_from_empty_or_same_size_is_empty() -> None:
    assert consistency_proof(LEAVES, 0) == []
    assert consistency_proof(LEAVES, len(LEAVES)) == []
    assert consistency_proof([], 0) == []


@pytest.mark.parametrize(("leaves", "index"), [([], 0), (LEAVES, -1), (LEAVES, 8), (LEAVES, 100)])
def test_inclusion_proof_rejects_out_of_range_index(leaves: list[bytes], index: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        inclusion_proof(leaves, index)


@pytest.mark.parametrize("old_size", [-1, 9, 100])
def test_consistency_proof_rejects_out_of_range_old_size(old_size: int) -> None:
    with pytest.raises(ValueError, match="old_size"):
        consistency_proof(LEAVES, old_size)


def test_generators_reject_bool_for_int() -> None:
    with pytest.raises(TypeError):
        inclusion_proof(LEAVES, True)
    with pytest.raises(TypeError):
        consistency_proof(LEAVES, True)


def test_subtree_hash_rejects_reversed_range() -> None:
    perfect, _ = counting_oracle(LEAVES)
    with pytest.raises(ValueError):
        subtree_hash(5, 4, perfect)


# --------------------------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------------------------


@SLOW
@given(leaves=leaf_lists())
def test_every_inclusion_proof_verifies(leaves: list[bytes]) -> None:
    root = merkle_root(leaves)
    for i, data in enumerate(leaves):
        assert verify_inclusion(leaf_hash(data), i, len(leaves), inclusion_proof(leaves, i), root)


@SLOW
@given(leaves=leaf_lists())
def test_every_consistency_proof_verifies(leaves: list[bytes]) -> None:
    roots = prefix_roots(leaves)
    n = len(leaves)
    for m in range(n + 1):
        assert verify_consistency(m, n, roots[m], roots[n], consistency_proof(leaves, m))


@SLOW
@given(leaves=leaf_lists())
def test_incremental_root_equals_merkle_root_at_every_size(leaves: list[bytes]) -> None:
    acc = IncrementalRoot()
    for size, data in enumerate(leaves, start=1):
        acc.append(leaf_hash(data))
        assert acc.size == size
        assert acc.root() == merkle_root(leaves[:size])


@SLOW
@given(leaves=leaf_lists())
def test_stored_subtrees_are_exactly_the_complete_ones_and_give_every_prefix_root(
    leaves: list[bytes],
) -> None:
    store: dict[tuple[int, int], bytes] = {}
    for i, data in enumerate(leaves):
        for level, index, digest in perfect_nodes_to_store(
            i, leaf_hash(data), lambda lv, ix: store[lv, ix]
        ):
            assert (level, index) not in store
            assert digest == ref_mth(leaves[index << level : (index + 1) << level])
            store[level, index] = digest
        size = i + 1
        complete = {
            (level, index) for level in range(size.bit_length()) for index in range(size >> level)
        }
        assert store.keys() == complete
        assert subtree_hash(0, size, lambda lv, ix: store[lv, ix]) == merkle_root(leaves[:size])


# --------------------------------------------------------------------------------------------
# Tampering: with distinct leaves nothing but the honest proof may verify
# --------------------------------------------------------------------------------------------


@FAST
@given(leaves=leaf_lists(distinct=True), data=st.data())
def test_inclusion_proof_with_a_flipped_bit_fails(leaves: list[bytes], data: st.DataObject) -> None:
    n = len(leaves)
    assume(n > 1)
    i = data.draw(st.integers(0, n - 1), label="index")
    proof = inclusion_proof(leaves, i)
    bad = flip_bit(proof, data.draw(st.integers(0, 63)), data.draw(st.integers(0, 255)))
    assert not verify_inclusion(leaf_hash(leaves[i]), i, n, bad, merkle_root(leaves))


@FAST
@given(leaves=leaf_lists(distinct=True), data=st.data())
def test_inclusion_proof_for_a_wrong_index_fails(leaves: list[bytes], data: st.DataObject) -> None:
    n = len(leaves)
    assume(n > 1)
    i = data.draw(st.integers(0, n - 1), label="index")
    j = data.draw(st.integers(0, n - 1).filter(lambda j: j != i), label="wrong index")
    proof = inclusion_proof(leaves, i)
    assert not verify_inclusion(leaf_hash(leaves[i]), j, n, proof, merkle_root(leaves))


@FAST
@given(leaves=leaf_lists(distinct=True), data=st.data())
def test_inclusion_proof_for_a_wrong_tree_size_fails(
    leaves: list[bytes], data: st.DataObject
) -> None:
    n = len(leaves)
    assume(n > 1)
    i = data.draw(st.integers(0, n - 2), label="index")
    size = data.draw(st.integers(i + 1, n), label="size")
    other = data.draw(st.integers(i + 1, n).filter(lambda s: s != size), label="wrong size")
    proof = inclusion_proof(leaves[:size], i)
    # The verifier is given the honest root of the size it is told.
    assert not verify_inclusion(leaf_hash(leaves[i]), i, other, proof, merkle_root(leaves[:other]))


@FAST
@given(leaves=leaf_lists(distinct=True), data=st.data())
def test_truncated_or_extended_inclusion_proof_fails(
    leaves: list[bytes], data: st.DataObject
) -> None:
    n = len(leaves)
    i = data.draw(st.integers(0, n - 1), label="index")
    proof, root, h = inclusion_proof(leaves, i), merkle_root(leaves), leaf_hash(leaves[i])
    extra = data.draw(st.binary(min_size=32, max_size=32), label="extra element")
    assert not verify_inclusion(h, i, n, [*proof, extra], root)
    assert not verify_inclusion(h, i, n, [*proof, root], root)
    if proof:
        assert not verify_inclusion(h, i, n, proof[:-1], root)
        assert not verify_inclusion(h, i, n, proof[1:], root)


@FAST
@given(leaves=leaf_lists(distinct=True), data=st.data())
def test_consistency_proof_with_a_flipped_bit_fails(
    leaves: list[bytes], data: st.DataObject
) -> None:
    n = len(leaves)
    assume(n > 1)
    m = data.draw(st.integers(1, n - 1), label="old_size")
    roots = prefix_roots(leaves)
    bad = flip_bit(
        consistency_proof(leaves, m), data.draw(st.integers(0, 63)), data.draw(st.integers(0, 255))
    )
    assert not verify_consistency(m, n, roots[m], roots[n], bad)


@FAST
@given(leaves=leaf_lists(distinct=True), data=st.data())
def test_consistency_proof_for_wrong_sizes_fails(leaves: list[bytes], data: st.DataObject) -> None:
    n = len(leaves)
    assume(n > 2)
    m = data.draw(st.integers(1, n - 1), label="old_size")
    m2 = data.draw(st.integers(1, n - 1).filter(lambda x: x != m), label="wrong old_size")
    n2 = data.draw(st.integers(m + 1, n - 1), label="wrong new_size") if m + 1 < n else None
    roots = prefix_roots(leaves)
    proof = consistency_proof(leaves, m)
    assert not verify_consistency(m2, n, roots[m2], roots[n], proof)
    if n2 is not None:
        assert not verify_consistency(m, n2, roots[m], roots[n2], proof)


@FAST
@given(leaves=leaf_lists(distinct=True), data=st.data())
def test_truncated_or_extended_consistency_proof_fails(
    leaves: list[bytes], data: st.DataObject
) -> None:
    n = len(leaves)
    assume(n > 1)
    m = data.draw(st.integers(1, n - 1), label="old_size")
    roots = prefix_roots(leaves)
    proof = consistency_proof(leaves, m)
    extra = data.draw(st.binary(min_size=32, max_size=32), label="extra element")
    assert not verify_consistency(m, n, roots[m], roots[n], [*proof, extra])
    assert not verify_consistency(m, n, roots[m], roots[n], proof[:-1])
    assert not verify_consistency(m, n, roots[m], roots[n], proof[1:])


@FAST
@given(leaves=leaf_lists(distinct=True), data=st.data())
def test_consistency_proof_with_swapped_or_foreign_roots_fails(
    leaves: list[bytes], data: st.DataObject
) -> None:
    n = len(leaves)
    assume(n > 1)
    m = data.draw(st.integers(1, n - 1), label="old_size")
    roots = prefix_roots(leaves)
    proof = consistency_proof(leaves, m)
    forged = [*leaves[: m - 1], b"forged", *leaves[m:]]
    assert not verify_consistency(m, n, roots[n], roots[m], proof)
    assert not verify_consistency(m, n, roots[m], merkle_root(forged), proof)


# --------------------------------------------------------------------------------------------
# Malformed input: verifiers return False and never raise
# --------------------------------------------------------------------------------------------


class _ExplodingSequence(Sequence[bytes]):
    """A Sequence whose iteration raises."""

    def __len__(self) -> int:
        return 3

    def __getitem__(self, index):  # type: ignore[no-untyped-def, override]
        raise RuntimeError("boom")


_I_INDEX, _I_SIZE, _I_PATH = INCLUSION_VECTORS[4]  # leaf 1 of 5
INCLUSION_ARGS = {
    "leaf_hash": leaf_hash(LEAVES[_I_INDEX]),
    "index": _I_INDEX,
    "tree_size": _I_SIZE,
    "proof": _I_PATH,
    "root": ROOTS[_I_SIZE],
}
SINGLE_LEAF_ARGS = {
    "leaf_hash": leaf_hash(LEAVES[0]),
    "index": 0,
    "tree_size": 1,
    "proof": [],
    "root": ROOTS[1],
}

MALFORMED_INCLUSION = {
    "leaf hash of 31 bytes": {"leaf_hash": leaf_hash(b"")[:31]},
    "leaf hash of 33 bytes": {"leaf_hash": leaf_hash(b"") + b"\x00"},
    "leaf hash None": {"leaf_hash": None},
    "leaf hash as hex str": {"leaf_hash": leaf_hash(LEAVES[1]).hex()},
    "leaf hash as bytearray": {"leaf_hash": bytearray(leaf_hash(LEAVES[1]))},
    "raw leaf data instead of hash": {"leaf_hash": LEAVES[1]},
    "negative index": {"index": -1},
    "index equal to size": {"index": _I_SIZE},
    "index beyond size": {"index": _I_SIZE + 1},
    "index True": {"index": True},
    "index float": {"index": 1.0},
    "index str": {"index": "1"},
    "index None": {"index": None},
    "index huge": {"index": 2**70},
    "tree size 0": {"tree_size": 0},
    "negative tree size": {"tree_size": -5},
    "tree size None": {"tree_size": None},
    "tree size float": {"tree_size": 5.0},
    "tree size beyond uint64": {"tree_size": 2**64},
    "wrong tree size": {"tree_size": 4, "root": ROOTS[4]},
    "proof None": {"proof": None},
    "proof str": {"proof": "".join(p.hex() for p in _I_PATH)},
    "proof concatenated bytes": {"proof": b"".join(_I_PATH)},
    "proof generator": {"proof": (p for p in _I_PATH)},
    "proof dict": {"proof": dict.fromkeys(_I_PATH)},
    "proof element of 31 bytes": {"proof": [_I_PATH[0][:31], *_I_PATH[1:]]},
    "proof element None": {"proof": [None, *_I_PATH[1:]]},
    "proof element str": {"proof": [_I_PATH[0].hex(), *_I_PATH[1:]]},
    "proof element int": {"proof": [0, *_I_PATH[1:]]},
    "proof element bytearray": {"proof": [bytearray(_I_PATH[0]), *_I_PATH[1:]]},
    "proof whose iteration raises": {"proof": _ExplodingSequence()},
    "empty proof": {"proof": []},
    "truncated proof": {"proof": _I_PATH[:-1]},
    "extended proof": {"proof": [*_I_PATH, _I_PATH[0]]},
    "reordered proof": {"proof": list(reversed(_I_PATH))},
    "root of 31 bytes": {"root": ROOTS[_I_SIZE][:31]},
    "root None": {"root": None},
    "root as hex str": {"root": ROOTS[_I_SIZE].hex()},
    "wrong root": {"root": ROOTS[_I_SIZE - 1]},
}


def test_valid_inclusion_arguments_used_below_verify() -> None:
    assert verify_inclusion(**INCLUSION_ARGS)
    assert verify_inclusion(**SINGLE_LEAF_ARGS)


@pytest.mark.parametrize("override", MALFORMED_INCLUSION.values(), ids=MALFORMED_INCLUSION.keys())
def test_verify_inclusion_returns_false_on_malformed_input(override: dict[str, object]) -> None:
    assert verify_inclusion(**{**INCLUSION_ARGS, **override}) is False


@pytest.mark.parametrize(
    "override",
    [{"index": False}, {"tree_size": True}, {"tree_size": 0}, {"proof": [ROOTS[1]]}],
    ids=["index False", "tree size True", "tree size 0", "non-empty proof"],
)
def test_verify_inclusion_in_single_leaf_tree_rejects_bad_arguments(
    override: dict[str, object],
) -> None:
    assert verify_inclusion(**{**SINGLE_LEAF_ARGS, **override}) is False


_C_OLD, _C_NEW, _C_PROOF = CONSISTENCY_VECTORS[1]  # 1 -> 8
CONSISTENCY_ARGS = {
    "old_size": _C_OLD,
    "new_size": _C_NEW,
    "old_root": ROOTS[_C_OLD],
    "new_root": ROOTS[_C_NEW],
    "proof": _C_PROOF,
}

MALFORMED_CONSISTENCY = {
    "old size True": {"old_size": True},
    "new size True with old size 1": {"new_size": True, "new_root": ROOTS[1], "proof": []},
    "negative old size": {"old_size": -1},
    "old size None": {"old_size": None},
    "old size float": {"old_size": 1.0},
    "old size str": {"old_size": "1"},
    "old size greater than new size": {"old_size": 9, "old_root": ROOTS[8]},
    "new size 0": {"new_size": 0},
    "negative new size": {"new_size": -8},
    "new size None": {"new_size": None},
    "new size beyond uint64": {"new_size": 2**64},
    # A size is only bound through its root (RFC 9162 §2.1.4.2 accepts 1 -> "7" against the
    # size-8 root, as the shapes agree), so a wrong size comes with the honest root of that size.
    "wrong new size": {"new_size": 7, "new_root": ROOTS[7]},
    "old root of 31 bytes": {"old_root": ROOTS[_C_OLD][:31]},
    "old root None": {"old_root": None},
    "old root str": {"old_root": ROOTS[_C_OLD].hex()},
    "new root of 33 bytes": {"new_root": ROOTS[_C_NEW] + b"\x00"},
    "new root None": {"new_root": None},
    "new root bytearray": {"new_root": bytearray(ROOTS[_C_NEW])},
    "wrong new root": {"new_root": ROOTS[7]},
    "swapped roots": {"old_root": ROOTS[_C_NEW], "new_root": ROOTS[_C_OLD]},
    "proof None": {"proof": None},
    "proof str": {"proof": "".join(p.hex() for p in _C_PROOF)},
    "proof concatenated bytes": {"proof": b"".join(_C_PROOF)},
    "proof generator": {"proof": (p for p in _C_PROOF)},
    "proof whose iteration raises": {"proof": _ExplodingSequence()},
    "proof element of 31 bytes": {"proof": [*_C_PROOF[:-1], _C_PROOF[-1][:31]]},
    "proof element None": {"proof": [None, *_C_PROOF[1:]]},
    "proof element str": {"proof": [_C_PROOF[0].hex(), *_C_PROOF[1:]]},
    "proof element bytearray": {"proof": [bytearray(_C_PROOF[0]), *_C_PROOF[1:]]},
    "empty proof": {"proof": []},
    "truncated proof": {"proof": _C_PROOF[:-1]},
    "extended proof": {"proof": [*_C_PROOF, _C_PROOF[0]]},
    "proof with the old root prepended": {"proof": [ROOTS[_C_OLD], *_C_PROOF]},
    "same sizes with a non-empty proof": {
        "old_size": 8,
        "old_root": ROOTS[8],
    },
    "same sizes with different roots": {"old_size": 8, "old_root": ROOTS[7], "proof": []},
    "empty old tree with a non-empty proof": {"old_size": 0, "old_root": ROOTS[0]},
    "empty old tree with a non-empty root": {"old_size": 0, "old_root": ROOTS[1], "proof": []},
}


def test_valid_consistency_arguments_used_below_verify() -> None:
    assert verify_consistency(**CONSISTENCY_ARGS)


@pytest.mark.parametrize(
    "override", MALFORMED_CONSISTENCY.values(), ids=MALFORMED_CONSISTENCY.keys()
)
def test_verify_consistency_returns_false_on_malformed_input(override: dict[str, object]) -> None:
    assert verify_consistency(**{**CONSISTENCY_ARGS, **override}) is False


@pytest.mark.parametrize("size", [0, 1, 5, 8])
def test_any_tree_is_consistent_with_itself_given_an_empty_proof(size: int) -> None:
    assert verify_consistency(size, size, ROOTS[size], ROOTS[size], [])


@pytest.mark.parametrize("size", [0, 1, 5, 8])
def test_empty_tree_is_consistent_with_every_tree_given_an_empty_proof(size: int) -> None:
    assert verify_consistency(0, size, EMPTY_ROOT, ROOTS[size], [])
    assert verify_consistency(0, size, EMPTY_ROOT, ROOTS[size], ())


def test_incremental_root_rejects_a_non_hash_leaf() -> None:
    with pytest.raises(ValueError):
        IncrementalRoot().append(b"raw leaf data")
