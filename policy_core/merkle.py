"""The consent log's Merkle tree as RFC 9162 §2.1 defines it: the hash rule, and the
verification of inclusion and consistency proofs.

Pure functions over 32-byte SHA-256 hashes, so that the service, the offline auditor and anyone
with an RFC 9162 library compute the same roots and accept the same proofs:

* leaf hash ``SHA-256(0x00 || data)``, interior node ``SHA-256(0x01 || left || right)``, and the
  hash of the empty tree ``SHA-256("")`` (§2.1.1);
* an inclusion proof PATH(m, D[n]) is verified with the algorithm of §2.1.3.2;
* a consistency proof PROOF(m, D[n]) is verified with the algorithm of §2.1.4.2.

This is all a verifier (a receipt, a checkpoint, an auditor) needs. Proofs are computed by
:mod:`policy_core.merkle_proofs`, and a tree is built leaf by leaf by
:mod:`policy_core.merkle_frontier`; both check their input with the rules written here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from policy_core.errors import CoreError

HASH_SIZE = 32
"""Every hash in the tree is a 32-byte SHA-256 digest."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}), the root of the tree with no leaves: SHA-256 of the empty string."""

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


def leaf_hash(data: bytes) -> bytes:
    """The hash of a leaf holding ``data``: SHA-256(0x00 || data)."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
                     ) -> None:
    """Check that ``leaf`` (a leaf hash) is at ``index`` in the tree of ``size`` whose root is
    ``root``, with the algorithm of RFC 9162 §2.1.3.2.

    Returns nothing when it is; raises :class:`ProofMalformed` or :class:`RootMismatch`
    saying what did not match.
    """
    check_hash("the leaf hash", leaf, ProofMalformed)
    check_hash("the root", root, ProofMalformed)
    _check_proof_hashes(proof)
    check_inclusion_sizes(index, size)
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
    check_hash("the first root", root1, ProofMalformed)
    check_hash("the second root", root2, ProofMalformed)
    _check_proof_hashes(proof)
    check_consistency_sizes(size1, size2)
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
    check_inclusion_sizes(index, size)
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_length(size1: int, size2: int) -> int:
    """How many hashes PROOF(size1, D[size2]) has."""
    check_consistency_sizes(size1, size2)
    if size1 == size2:
        return 0
    shift = (size1 & -size1).bit_length() - 1
    fork = ((size1 - 1) ^ (size2 - 1)).bit_length()
    border = ((size1 - 1) >> fork).bit_count()
    return (fork - shift) + border + (0 if size1 == 1 << shift else 1)


def is_count(value: object) -> bool:
    """Whether ``value`` is a leaf count or index: a non-negative ``int`` (not a ``bool``)."""
    return type(value) is int and value >= 0


def check_hash(what: str, value: object, error: type[MerkleError]) -> None:
    """Raise ``error`` naming ``what`` unless ``value`` is a 32-byte hash."""
    if not isinstance(value, bytes):
        raise error(f"{what} must be {HASH_SIZE} bytes, found {type(value).__name__} {value!r:.80}")
    if len(value) != HASH_SIZE:
        raise error(f"{what} must be {HASH_SIZE} bytes, found {len(value)}")


def check_inclusion_sizes(index: int, size: int) -> None:
    """Raise :class:`ProofMalformed` unless ``index`` is a leaf of a tree of ``size`` leaves."""
    if not is_count(index) or not is_count(size):
        raise ProofMalformed(f"a leaf index and a tree size are non-negative integers, found "
                             f"{index!r} and {size!r}")
    if index >= size:
        raise ProofMalformed(f"leaf index {index} is not in a tree of size {size} (indexes start "
                             "at 0)")


def check_consistency_sizes(size1: int, size2: int) -> None:
    """Raise :class:`ProofMalformed` unless a tree of ``size1`` leaves can be proved a prefix of
    one of ``size2``: both counts, ``0 < size1 <= size2``."""
    if not is_count(size1) or not is_count(size2):
        raise ProofMalformed(f"tree sizes are non-negative integers, found {size1!r} and {size2!r}")
    if size1 > size2:
        raise ProofMalformed(f"the first tree ({size1} leaves) is larger than the second "
                             f"({size2}): a log only grows")
    if size1 == 0:
        raise ProofMalformed("a consistency proof starts from a tree of at least one leaf: every "
                             "tree extends the empty one, there is nothing to prove")


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for position, value in enumerate(proof):
        check_hash(f"proof hash {position}", value, ProofMalformed)


def _inclusion_length_message(index: int, size: int, proof: Sequence[bytes]) -> str:
    return (f"the inclusion proof has {len(proof)} hashes, but a leaf at index {index} of a tree "
            f"of size {size} needs {inclusion_proof_length(index, size)}")


def _consistency_length_message(size1: int, size2: int, proof: Sequence[bytes]) -> str:
    return (f"the consistency proof has {len(proof)} hashes, but one from size {size1} to "
            f"{size2} needs {consistency_proof_length(size1, size2)}")
