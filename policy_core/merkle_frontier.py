"""The consent log's Merkle tree built leaf by leaf: the sequencer's frontier.

:class:`Frontier` appends leaves with O(log n) state and says which complete subtrees each
append created, for the caller to store (as tiles, :mod:`policy_core.tiles`). The root of a
list of leaves (:func:`tree_hash`) and a hash source over leaves in memory
(:func:`leaf_source`) are computed with it, so every root of the tree comes from one fold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from policy_core.merkle import EMPTY_ROOT, HASH_SIZE, MerkleError, check_hash, is_count, node_hash
from policy_core.merkle_proofs import HashSource, range_nodes, subtree_hash

_sha256 = hashlib.sha256


class Node(NamedTuple):
    """A complete subtree: its level (0 for a leaf), its index within that level, its hash."""

    level: int
    index: int
    hash: bytes


def tree_hash(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH(D[n]) of the leaves whose hashes are given, in order, in O(log n) memory."""
    frontier = Frontier()
    frontier.extend(leaf_hashes, record=False)
    return frontier.root()


class Frontier:
    """The roots of the perfect subtrees a tree of ``size`` leaves is made of, largest first.

    There is one per set bit of ``size`` (a "compact range" over ``[0, size)``), which is all a
    sequencer needs to append leaves and compute the new root without the earlier leaves. A
    frontier is restored from stored hashes with :meth:`from_source`.
    """

    __slots__ = ("_size", "_hashes")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if not is_count(size):
            raise MerkleError(f"a tree size is a non-negative integer, found {size!r}")
        if len(hashes) != size.bit_count():
            raise MerkleError(f"a tree of size {size} is made of {size.bit_count()} perfect "
                              f"subtrees, found {len(hashes)} hashes")
        for position, value in enumerate(hashes):
            check_hash(f"frontier hash {position}", value, MerkleError)
        self._size = size
        self._hashes = list(hashes)

    @classmethod
    def from_source(cls, size: int, source: HashSource) -> Frontier:
        """The frontier of the tree of ``size`` leaves whose complete subtrees ``source`` holds."""
        return cls(size, [subtree_hash(source, level, index)
                          for level, index in range_nodes(0, size)] if size else [])

    @property
    def size(self) -> int:
        """How many leaves the tree has."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The perfect subtrees' roots, largest (leftmost) first."""
        return tuple(self._hashes)

    def root(self) -> bytes:
        """MTH of the tree: the perfect subtrees folded from the right."""
        if not self._hashes:
            return EMPTY_ROOT
        root = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            root = node_hash(left, root)
        return root

    def append(self, leaf: bytes) -> list[Node]:
        """Append one leaf hash; the complete subtrees this created, the leaf first."""
        return self.extend((leaf,))

    def extend(self, leaf_hashes: Iterable[bytes], *, record: bool = True) -> list[Node]:
        """Append leaf hashes in order; every complete subtree this created, in creation order
        (each leaf, then the nodes it completed, bottom up), for the caller to store.

        With ``record=False`` nothing is collected and the list is empty: computing a root
        over millions of leaves then allocates nothing per leaf.
        """
        created: list[Node] = []
        stack, size = self._hashes, self._size
        for value in leaf_hashes:
            if type(value) is not bytes or len(value) != HASH_SIZE:
                check_hash(f"leaf hash {size}", value, MerkleError)
            index, level = size, 0
            if record:
                created.append(Node(0, index, value))
            while index & 1:
                value = _sha256(b"\x01" + stack.pop() + value).digest()
                index >>= 1
                level += 1
                if record:
                    created.append(Node(level, index, value))
            stack.append(value)
            size += 1
        self._size = size
        return created


def leaf_source(leaf_hashes: Sequence[bytes]) -> HashSource:
    """A :data:`HashSource` over leaf hashes held in memory, for small trees and for tests;
    each answer hashes the subtree's leaves again."""

    def source(level: int, index: int) -> bytes:
        start, end = index << level, (index + 1) << level
        if end > len(leaf_hashes):
            raise MerkleError(f"the subtree at level {level}, index {index} needs leaves up to "
                              f"{end}, the tree has {len(leaf_hashes)}")
        return tree_hash(leaf_hashes[start:end])

    return source
