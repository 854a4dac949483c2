"""The consent log's Merkle tree: hashing, proofs and their verification, exactly RFC 9162 §2.1.

Pure functions over 32-byte SHA-256 hashes, so that the service, the offline auditor and anyone
with an RFC 9162 library compute the same roots and accept the same proofs:

* leaf hash ``SHA-256(0x00 || data)``, interior node ``SHA-256(0x01 || left || right)``, and the
  hash of the empty tree ``SHA-256("")`` (§2.1.1);
* an inclusion proof is PATH(m, D[n]) (§2.1.3.1) and is verified with the algorithm of §2.1.3.2;
* a consistency proof is PROOF(m, D[n]) (§2.1.4.1) and is verified with the algorithm of §2.1.4.2.

Proofs are generated from a :data:`HashSource`, a callable answering "the hash of the complete
subtree at (level, index)", that is the Merkle Tree Hash of the leaves
``[index * 2**level, (index + 1) * 2**level)``. A proof asks for O(log n) such hashes, and only
for subtrees that are complete in the tree, so the service can answer from stored tiles
(:mod:`policy_core.tiles`) without loading the leaves. :class:`Frontier` is the sequencer's side:
it appends leaves with O(log n) state and says which complete subtrees each append created.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from policy_core.errors import CoreError

HASH_SIZE = 32
"""Every hash in the tree is a 32-byte SHA-256 digest."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}), the root of the tree with no leaves: SHA-256 of the empty string."""

HashSource = Callable[[int, int], bytes]
"""``source(level, index)``: the hash of the complete subtree over leaves
``[index * 2**level, (index + 1) * 2**level)``; level 0 holds the leaf hashes."""

_sha256 = hashlib.sha256


class MerkleError(CoreError):
    """A tree, a range or a proof does not fit RFC 9162 §2.1."""


class ProofMalformed(MerkleError):
    """The proof cannot be checked as given: an index outside the tree, sizes in the wrong
    order, a hash that is not 32 bytes, or not the number of hashes the tree sizes call for."""


class RootMismatch(MerkleError):
    """The proof is well formed, but it leads to another root than the one it was checked
    against: the leaf, its index, a proof hash or the root is not what the log committed to."""

    def __init__(self, message: str, *, expected: bytes, computed: bytes) -> None:
        super().__init__(message)
        self.expected = expected
        self.computed = computed


class Node(NamedTuple):
    """A complete subtree: its level (0 for a leaf), its index within that level, its hash."""

    level: int
    index: int
    hash: bytes


def leaf_hash(data: bytes) -> bytes:
    """The hash of a leaf holding ``data``: SHA-256(0x00 || data)."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


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
        if _is_not_count(size):
            raise MerkleError(f"a tree size is a non-negative integer, found {size!r}")
        if len(hashes) != size.bit_count():
            raise MerkleError(f"a tree of size {size} is made of {size.bit_count()} perfect "
                              f"subtrees, found {len(hashes)} hashes")
        for position, value in enumerate(hashes):
            _check_hash(f"frontier hash {position}", value, MerkleError)
        self._size = size
        self._hashes = list(hashes)

    @classmethod
    def from_source(cls, size: int, source: HashSource) -> Frontier:
        """The frontier of the tree of ``size`` leaves whose complete subtrees ``source`` holds."""
        return cls(size, [_fetch(source, level, index) for level, index in range_nodes(0, size)]
                   if size else [])

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
                _check_hash(f"leaf hash {size}", value, MerkleError)
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


def range_nodes(start: int, end: int) -> list[tuple[int, int]]:
    """The complete subtrees, as (level, index), that MTH(D[start:end]) is folded from.

    Largest first: the binary decomposition of ``end - start``. The range must be one the tree
    has a node for, or the right edge of one: ``start`` a multiple of the largest power of
    two not above ``end - start``, as every range in a proof is.
    """
    if _is_not_count(start) or _is_not_count(end) or start >= end:
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
    _check_sizes_for_inclusion(index, size)
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
    _check_sizes_for_consistency(size1, size2)
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


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
                     ) -> None:
    """Check that ``leaf`` (a leaf hash) is at ``index`` in the tree of ``size`` whose root is
    ``root``, with the algorithm of RFC 9162 §2.1.3.2.

    Returns nothing when it is; raises :class:`ProofMalformed` or :class:`RootMismatch`
    saying what did not match.
    """
    _check_hash("the leaf hash", leaf, ProofMalformed)
    _check_hash("the root", root, ProofMalformed)
    _check_proof_hashes(proof)
    _check_sizes_for_inclusion(index, size)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofMalformed(_inclusion_length_message(index, size, proof))
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofMalformed(_inclusion_length_message(index, size, proof))
    if r != root:
        raise RootMismatch(f"the inclusion proof of leaf {index} in the tree of size {size} leads "
                           f"to root {r.hex()}, but the tree's root is {root.hex()}: the leaf, its "
                           "index, the proof or the root is not what the log committed to",
                           expected=root, computed=r)


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
                       ) -> None:
    """Check that the tree of ``size1`` leaves with ``root1`` is a prefix of the tree of
    ``size2`` leaves with ``root2``, with the algorithm of RFC 9162 §2.1.4.2.

    Equal sizes need an empty proof and equal roots. Returns nothing when the log only grew;
    raises :class:`ProofMalformed` or :class:`RootMismatch` saying what did not match.
    """
    _check_hash("the first root", root1, ProofMalformed)
    _check_hash("the second root", root2, ProofMalformed)
    _check_proof_hashes(proof)
    _check_sizes_for_consistency(size1, size2)
    if size1 == size2:
        if proof:
            raise ProofMalformed(f"two trees of the same size ({size1}) need an empty "
                                 f"consistency proof, found {len(proof)} hashes")
        if root1 != root2:
            raise RootMismatch(f"two trees of size {size1} have different roots, {root1.hex()} "
                               f"and {root2.hex()}: the log forked", expected=root1, computed=root2)
        return
    if not proof:
        raise ProofMalformed(_consistency_length_message(size1, size2, proof))
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofMalformed(_consistency_length_message(size1, size2, proof))
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
    if sn != 0:
        raise ProofMalformed(_consistency_length_message(size1, size2, proof))
    if fr != root1:
        raise RootMismatch(f"the consistency proof from size {size1} to {size2} leads to "
                           f"{fr.hex()} for the first tree, but its root is {root1.hex()}",
                           expected=root1, computed=fr)
    if sr != root2:
        raise RootMismatch(f"the consistency proof from size {size1} to {size2} leads to "
                           f"{sr.hex()} for the second tree, but its root is {root2.hex()}: "
                           "the second tree does not extend the first", expected=root2, computed=sr)


def inclusion_proof_length(index: int, size: int) -> int:
    """How many hashes PATH(index, D[size]) has."""
    _check_sizes_for_inclusion(index, size)
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_length(size1: int, size2: int) -> int:
    """How many hashes PROOF(size1, D[size2]) has."""
    _check_sizes_for_consistency(size1, size2)
    if size1 == size2:
        return 0
    shift = (size1 & -size1).bit_length() - 1
    fork = ((size1 - 1) ^ (size2 - 1)).bit_length()
    border = ((size1 - 1) >> fork).bit_count()
    return (fork - shift) + border + (0 if size1 == 1 << shift else 1)


def _split(width: int) -> int:
    """The largest power of two smaller than ``width`` (k in RFC 9162 §2.1.1), for width >= 2."""
    return 1 << ((width - 1).bit_length() - 1)


def _range_hash(source: HashSource, start: int, end: int) -> bytes:
    nodes = range_nodes(start, end)
    root = _fetch(source, *nodes[-1])
    for level, index in reversed(nodes[:-1]):
        root = node_hash(_fetch(source, level, index), root)
    return root


def _fetch(source: HashSource, level: int, index: int) -> bytes:
    value = source(level, index)
    _check_hash(f"the hash at level {level}, index {index}", value, MerkleError)
    return value


def _is_not_count(value: object) -> bool:
    return type(value) is not int or value < 0


def _check_hash(what: str, value: object, error: type[MerkleError]) -> None:
    if not isinstance(value, bytes):
        raise error(f"{what} must be {HASH_SIZE} bytes, found {type(value).__name__} {value!r:.80}")
    if len(value) != HASH_SIZE:
        raise error(f"{what} must be {HASH_SIZE} bytes, found {len(value)}")


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for position, value in enumerate(proof):
        _check_hash(f"proof hash {position}", value, ProofMalformed)


def _check_sizes_for_inclusion(index: int, size: int) -> None:
    if _is_not_count(index) or _is_not_count(size):
        raise ProofMalformed(f"a leaf index and a tree size are non-negative integers, found "
                             f"{index!r} and {size!r}")
    if index >= size:
        raise ProofMalformed(f"leaf index {index} is not in a tree of size {size} (indexes start "
                             "at 0)")


def _check_sizes_for_consistency(size1: int, size2: int) -> None:
    if _is_not_count(size1) or _is_not_count(size2):
        raise ProofMalformed(f"tree sizes are non-negative integers, found {size1!r} and {size2!r}")
    if size1 > size2:
        raise ProofMalformed(f"the first tree ({size1} leaves) is larger than the second "
                             f"({size2}): a log only grows")
    if size1 == 0:
        raise ProofMalformed("a consistency proof starts from a tree of at least one leaf: every "
                             "tree extends the empty one, there is nothing to prove")


def _inclusion_length_message(index: int, size: int, proof: Sequence[bytes]) -> str:
    return (f"the inclusion proof has {len(proof)} hashes, but a leaf at index {index} of a tree "
            f"of size {size} needs {inclusion_proof_length(index, size)}")


def _consistency_length_message(size1: int, size2: int, proof: Sequence[bytes]) -> str:
    return (f"the consistency proof has {len(proof)} hashes, but one from size {size1} to "
            f"{size2} needs {consistency_proof_length(size1, size2)}")
