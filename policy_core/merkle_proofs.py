"""RFC 9162 proofs computed from a hash source, so that no proof needs the tree's leaves.

A :data:`HashSource` answers "the hash of the complete subtree at (level, index)", that is the
Merkle Tree Hash of the leaves ``[index * 2**level, (index + 1) * 2**level)``. An inclusion
proof is PATH(m, D[n]) (RFC 9162 §2.1.3.1) and a consistency proof is PROOF(m, D[n])
(§2.1.4.1); each asks for O(log n) such hashes, and only for subtrees that are complete in the
tree, so the service answers from stored tiles (:mod:`policy_core.tiles`) without loading the
leaves. The ranges a proof is made of are public too: tiles are fetched by them. Proofs are
verified by :mod:`policy_core.merkle`.
"""

from __future__ import annotations

from collections.abc import Callable

from policy_core.merkle import (
    MerkleError,
    check_consistency_sizes,
    check_hash,
    check_inclusion_sizes,
    is_count,
    node_hash,
)

HashSource = Callable[[int, int], bytes]
"""``source(level, index)``: the hash of the complete subtree over leaves
``[index * 2**level, (index + 1) * 2**level)``; level 0 holds the leaf hashes."""


def range_nodes(start: int, end: int) -> list[tuple[int, int]]:
    """The complete subtrees, as (level, index), that MTH(D[start:end]) is folded from.

    Largest first: the binary decomposition of ``end - start``. The range must be one the tree
    has a node for, or the right edge of one: ``start`` a multiple of the largest power of
    two not above ``end - start``, as every range in a proof is.
    """
    if not is_count(start) or not is_count(end) or start >= end:
        raise MerkleError(f"a range of leaves [start, end) needs 0 <= start < end, "
                          f"found [{start!r}, {end!r})")
    width = end - start
    if start % (1 << (width.bit_length() - 1)):
        raise MerkleError(f"leaves [{start}, {end}) are not a subtree of the tree: {start} is "
                          f"not a multiple of {1 << (width.bit_length() - 1)}")
    nodes = []
    offset = start
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            nodes.append((level, offset >> level))
            offset += 1 << level
    return nodes


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs make up PATH(index, D[size]), in proof order (bottom up)."""
    check_inclusion_sizes(index, size)
    ranges = []
    low, high = 0, size
    while high - low > 1:
        middle = low + _split(high - low)
        if index < middle:
            ranges.append((middle, high))
            high = middle
        else:
            ranges.append((low, middle))
            low = middle
    ranges.reverse()
    return ranges


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs make up PROOF(size1, D[size2]), in proof order.

    SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1, unrolled: the first tree's root is left out
    while it is a node of the second tree (``b`` true), since the verifier has it.
    """
    check_consistency_sizes(size1, size2)
    ranges = []
    low, high, first, first_is_node = 0, size2, size1, True
    while high - low != first:
        middle = low + _split(high - low)
        if low + first <= middle:
            ranges.append((middle, high))
            high = middle
        else:
            ranges.append((low, middle))
            first -= middle - low
            low = middle
            first_is_node = False
    if not first_is_node:
        ranges.append((low, high))
    ranges.reverse()
    return ranges


def inclusion_proof(index: int, size: int, source: HashSource) -> list[bytes]:
    """PATH(index, D[size]): the audit path of leaf ``index`` in the tree of ``size`` leaves."""
    return [_range_hash(source, start, end) for start, end in inclusion_ranges(index, size)]


def consistency_proof(size1: int, size2: int, source: HashSource) -> list[bytes]:
    """PROOF(size1, D[size2]): proves the tree of ``size1`` leaves is a prefix of ``size2``'s."""
    return [_range_hash(source, start, end) for start, end in consistency_ranges(size1, size2)]


def subtree_hash(source: HashSource, level: int, index: int) -> bytes:
    """``source``'s answer for the subtree at (level, index), refused unless it is 32 bytes."""
    value = source(level, index)
    check_hash(f"the hash at level {level}, index {index}", value, MerkleError)
    return value


def _split(width: int) -> int:
    """The largest power of two smaller than ``width`` (k in RFC 9162 §2.1.1), for width >= 2."""
    return 1 << ((width - 1).bit_length() - 1)


def _range_hash(source: HashSource, start: int, end: int) -> bytes:
    nodes = range_nodes(start, end)
    root = subtree_hash(source, *nodes[-1])
    for level, index in reversed(nodes[:-1]):
        root = node_hash(subtree_hash(source, level, index), root)
    return root
