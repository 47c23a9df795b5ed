"""Merkle-log hashing, proofs and verification per RFC 6962 §2.1 / RFC 9162 §2.1 (SHA-256).

Terminology follows the RFCs: D[n] is the list of n leaf *data* entries, MTH is the Merkle
Tree Hash, PATH is an inclusion (audit) path and PROOF a consistency proof.

The proof generators work over an abstract *perfect-subtree oracle*
``perfect(level, index) -> bytes`` returning the hash of the complete, aligned subtree that
covers leaves ``[index * 2**level, (index + 1) * 2**level)``.  A database-backed log stores
exactly those hashes (see :func:`perfect_nodes_to_store`) and can therefore answer any proof
with O(log n) reads; :func:`inclusion_proof` / :func:`consistency_proof` are thin wrappers
whose oracle builds the same hashes from an in-memory list of leaves.

The verifiers implement RFC 9162 §2.1.3.2 and §2.1.4.2 literally and return ``False`` (never
raise) on any malformed input.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_TREE_SIZE",
    "IncrementalRoot",
    "PerfectOracle",
    "consistency_path",
    "consistency_proof",
    "inclusion_path",
    "inclusion_proof",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "perfect_nodes_to_store",
    "subtree_hash",
    "verify_consistency",
    "verify_inclusion",
]

#: Size in bytes of every hash (SHA-256).
HASH_SIZE = 32
#: RFC 9162 §4.1: tree sizes are uint64.
MAX_TREE_SIZE = 2**64 - 1
#: RFC 6962 §2.1: the hash of an empty list is the hash of an empty string, MTH({}) = SHA-256().
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"  # RFC 6962 §2.1: MTH({d(0)}) = SHA-256(0x00 || d(0))
_NODE_PREFIX = b"\x01"  # RFC 6962 §2.1: MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))

#: ``perfect(level, index)`` -> hash of the complete subtree over
#: leaves ``[index * 2**level, (index + 1) * 2**level)``.
PerfectOracle = Callable[[int, int], bytes]


# --------------------------------------------------------------------------------------------
# Hashing (RFC 6962 §2.1)
# --------------------------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """Return SHA-256(0x00 || data), e.g. ``leaf_hash(b"").hex()[:8] == "6e340b9c"``."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the interior node hash SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """Return k, the largest power of two strictly less than n (n >= 2), per RFC 6962 §2.1."""
    return 1 << ((n - 1).bit_length() - 1)


def _is_size(value: object) -> bool:
    """Return True if value is a genuine int (not bool) in the uint64 range."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_TREE_SIZE


def _is_hash(value: object) -> bool:
    """Return True if value is a bytes object of exactly HASH_SIZE bytes."""
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _as_hash_list(proof: object) -> list[bytes] | None:
    """Return proof as a list of 32-byte hashes, or None if it is not one."""
    if not isinstance(proof, Sequence) or isinstance(proof, (str, bytes, bytearray, memoryview)):
        return None
    try:
        items = list(proof)
    except Exception:  # a hostile Sequence must not make a verifier raise
        return None
    return items if all(_is_hash(p) for p in items) else None


def _check_int(name: str, value: object) -> int:
    """Return value if it is a (non-bool) int, else raise TypeError."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return value


# --------------------------------------------------------------------------------------------
# Subtree hashes over a perfect-subtree oracle
# --------------------------------------------------------------------------------------------


def subtree_hash(start: int, end: int, perfect: PerfectOracle) -> bytes:
    """Return MTH(D[start:end]) using ``perfect`` for every complete aligned subtree.

    Example: ``subtree_hash(0, 6, perfect)`` == node_hash(perfect(2, 0), perfect(1, 2)).
    """
    start, end = _check_int("start", start), _check_int("end", end)
    if not 0 <= start <= end:
        raise ValueError(f"invalid leaf range [{start}, {end})")
    if start == end:
        return EMPTY_ROOT  # RFC 6962 §2.1: MTH({}) = SHA-256()
    # Walk down the right spine: each left part D[start:start+k] of the RFC split is complete.
    lefts: list[bytes] = []
    while True:
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:  # complete, aligned subtree: one oracle read
            level = n.bit_length() - 1
            right = perfect(level, start >> level)
            break
        k = _split(n)  # RFC 6962 §2.1: MTH(D[n]) = H(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
        lefts.append(subtree_hash(start, start + k, perfect))
        start += k
    for left in reversed(lefts):
        right = node_hash(left, right)
    return right


def inclusion_path(index: int, tree_size: int, perfect: PerfectOracle) -> list[bytes]:
    """Return the RFC 6962 §2.1.1 audit path PATH(index, D[tree_size]), leaf-side first."""
    index, tree_size = _check_int("index", index), _check_int("tree_size", tree_size)
    if not 0 <= index < tree_size:
        raise ValueError(f"leaf index {index} out of range for tree size {tree_size}")
    start, end = 0, tree_size
    path: list[bytes] = []  # collected root-side first, reversed at the end
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:  # PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])
            path.append(subtree_hash(start + k, end, perfect))
            end = start + k
        else:  # PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k])
            path.append(subtree_hash(start, start + k, perfect))
            start += k
    path.reverse()
    return path


def consistency_path(old_size: int, new_size: int, perfect: PerfectOracle) -> list[bytes]:
    """Return the RFC 6962 §2.1.2 consistency proof PROOF(old_size, D[new_size]).

    Returns [] when old_size is 0 or equal to new_size (nothing to prove, RFC 9162 §2.1.4).
    """
    old_size, new_size = _check_int("old_size", old_size), _check_int("new_size", new_size)
    if not 0 <= old_size <= new_size:
        raise ValueError(f"invalid consistency range: old_size {old_size}, new_size {new_size}")
    if old_size == 0 or old_size == new_size:
        return []
    # PROOF(m, D[n]) = SUBPROOF(m, D[n], true), unrolled; [start, end) is the current D[..].
    start, end, complete = 0, new_size, True
    proof: list[bytes] = []  # collected root-side first, reversed at the end
    while end != old_size:
        k = _split(end - start)
        if old_size <= start + k:  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            proof.append(subtree_hash(start + k, end, perfect))
            end = start + k
        else:  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            proof.append(subtree_hash(start, start + k, perfect))
            start += k
            complete = False
    if not complete:  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
        proof.append(subtree_hash(start, end, perfect))
    proof.reverse()
    return proof


def perfect_nodes_to_store(
    index: int, leaf: bytes, get: PerfectOracle
) -> list[tuple[int, int, bytes]]:
    """Return the (level, index, hash) subtrees completed by appending ``leaf`` at ``index``.

    The stored log calls this once per append and persists every returned entry; ``get`` reads
    an already-stored entry (the left siblings).  Example: appending index 3 yields
    ``[(0, 3, h3), (1, 1, H(h2, h3)), (2, 0, H(H(h0, h1), H(h2, h3)))]``.
    """
    index = _check_int("index", index)
    if index < 0:
        raise ValueError(f"leaf index must be >= 0, got {index}")
    if not _is_hash(leaf):
        raise ValueError("leaf must be a 32-byte leaf hash")
    level, h = 0, leaf
    entries = [(0, index, leaf)]
    while index & 1:  # a right child completes its parent
        h = node_hash(get(level, index - 1), h)
        level, index = level + 1, index >> 1
        entries.append((level, index, h))
    return entries


class IncrementalRoot:
    """Streaming MTH calculator holding one (level, hash) per set bit of size: O(log n) memory."""

    __slots__ = ("_size", "_stack")

    def __init__(self) -> None:
        """Start with the empty tree."""
        self._stack: list[tuple[int, bytes]] = []
        self._size = 0

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def state(self) -> list[tuple[int, bytes]]:
        """The frontier: one (level, hash) per perfect subtree on the right edge."""
        return list(self._stack)

    @classmethod
    def resume(cls, size: int, state: Sequence[tuple[int, bytes]]) -> IncrementalRoot:
        """Continue from a saved frontier of `size` leaves (see :meth:`state`)."""
        if sum(1 << level for level, _ in state) != size:
            raise ValueError("the frontier does not add up to the size")
        root = cls()
        root._stack, root._size = list(state), size
        return root

    def append(self, leaf_hash: bytes) -> None:
        """Append a leaf by its 32-byte leaf hash (see :func:`leaf_hash`)."""
        if not _is_hash(leaf_hash):
            raise ValueError("leaf_hash must be a 32-byte hash")
        level, h = 0, leaf_hash
        while self._stack and self._stack[-1][0] == level:  # merge equal-sized perfect subtrees
            h = node_hash(self._stack.pop()[1], h)
            level += 1
        self._stack.append((level, h))
        self._size += 1

    def root(self) -> bytes:
        """Return MTH of the leaves so far (RFC 6962 §2.1), EMPTY_ROOT when there are none."""
        if not self._stack:
            return EMPTY_ROOT
        h = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):  # fold the right spine, smallest first
            h = node_hash(left, h)
        return h


# --------------------------------------------------------------------------------------------
# Convenience wrappers over raw leaf data
# --------------------------------------------------------------------------------------------


def _leaves_oracle(leaves: Sequence[bytes]) -> PerfectOracle:
    """Return a memoised perfect-subtree oracle built from raw leaf data."""
    memo: dict[tuple[int, int], bytes] = {}

    def perfect(level: int, index: int) -> bytes:
        key = (level, index)
        h = memo.get(key)
        if h is None:
            if level == 0:
                h = leaf_hash(leaves[index])
            else:
                h = node_hash(perfect(level - 1, 2 * index), perfect(level - 1, 2 * index + 1))
            memo[key] = h
        return h

    return perfect


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """Return MTH(D[n]) of raw leaf data, e.g. ``merkle_root([]) == EMPTY_ROOT``."""
    acc = IncrementalRoot()
    for data in leaves:
        acc.append(leaf_hash(data))
    return acc.root()


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Return PATH(index, D[n]) for raw leaf data (RFC 6962 §2.1.1)."""
    return inclusion_path(index, len(leaves), _leaves_oracle(leaves))


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """Return PROOF(old_size, D[n]) over raw leaf data (RFC 6962 §2.1.2); [] if m is 0 or n."""
    return consistency_path(old_size, len(leaves), _leaves_oracle(leaves))


# --------------------------------------------------------------------------------------------
# Verification (RFC 9162 §2.1.3.2 and §2.1.4.2)
# --------------------------------------------------------------------------------------------


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Return True iff ``proof`` proves ``leaf_hash`` at ``index`` in the tree with ``root``."""
    path = _as_hash_list(proof)
    if (
        path is None
        or not _is_hash(leaf_hash)
        or not _is_hash(root)
        or not _is_size(index)
        or not _is_size(tree_size)
    ):
        return False
    # RFC 9162 §2.1.3.2 step 1: fail if leaf_index >= tree_size.
    if index >= tree_size:
        return False
    # Steps 2-3.
    fn, sn = index, tree_size - 1
    r = leaf_hash
    # Step 4.
    for p in path:
        if sn == 0:  # 4a
            return False
        if fn & 1 or fn == sn:  # 4b
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:  # (no-op when LSB(fn) is set)
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1  # 4c
        sn >>= 1
    # Step 5.
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Return True iff ``proof`` shows (old_size, old_root) is a prefix of (new_size, new_root).

    Trivial cases: old_size == 0 needs an empty proof and old_root == EMPTY_ROOT; old_size ==
    new_size needs an empty proof and equal roots.
    """
    path = _as_hash_list(proof)
    if (
        path is None
        or not _is_hash(old_root)
        or not _is_hash(new_root)
        or not _is_size(old_size)
        or not _is_size(new_size)
        or old_size > new_size
    ):
        return False
    if old_size == 0:  # the empty tree is a prefix of every tree; nothing to prove
        return not path and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not path and old_root == new_root
    # RFC 9162 §2.1.4.2 step 1: an empty consistency_path fails.
    if not path:
        return False
    # Step 2: if first is an exact power of 2, prepend first_hash.
    if old_size & (old_size - 1) == 0:
        path = [old_root, *path]
    # Step 3.
    fn, sn = old_size - 1, new_size - 1
    # Step 4: if LSB(fn) is set, right-shift fn and sn until LSB(fn) is not set.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # Step 5.
    fr = sr = path[0]
    # Step 6.
    for c in path[1:]:
        if sn == 0:  # 6a
            return False
        if fn & 1 or fn == sn:  # 6b
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:  # (no-op when LSB(fn) is set)
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1  # 6c
        sn >>= 1
    # Step 7.
    return fr == old_root and sr == new_root and sn == 0
