"""The log's signed tree heads: C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint).

A checkpoint is a signed note (:mod:`policy_core.note`) whose text is, one per line:

1. the origin, the log's name (for this log, also the name of its key);
2. the tree size in decimal, no leading zeros (``0`` for the empty tree);
3. the root hash (RFC 9162 MTH) in standard base64;
4. optional extension lines, each non-empty.

Anyone holding two checkpoints can ask the log for a consistency proof between them; a log
that rewrote its history cannot produce one.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from policy_core.errors import CoreError
from policy_core.merkle import HASH_SIZE
from policy_core.note import open_note, sign_note
from policy_core.note_keys import Signer, Verifier

MAX_TREE_SIZE = (1 << 64) - 1
_SIZE = re.compile(r"0|[1-9][0-9]*", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f]")


class CheckpointInvalid(CoreError):
    """A checkpoint's text does not have the form tlog-checkpoint gives it, or is not the
    checkpoint of the log it was expected from."""


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: which log, how many leaves, their Merkle root, and extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line("the origin", self.origin)
        if type(self.size) is not int or not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointInvalid(f"a tree size is an integer from 0 to {MAX_TREE_SIZE}, "
                                    f"found {self.size!r}")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise CheckpointInvalid(f"a root hash is {HASH_SIZE} bytes, found {self.root!r:.80}")
        if not isinstance(self.extensions, tuple):
            raise CheckpointInvalid("extension lines are a tuple of strings")
        for number, line in enumerate(self.extensions, start=4):
            _check_line(f"extension line {number}", line)

    @property
    def text(self) -> str:
        """The note text: origin, size, base64 root and extension lines, each ending in a
        newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii"),
                 *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """The checkpoint whose note text is ``text``; says which line is wrong and how."""
        if not isinstance(text, str) or not text.endswith("\n"):
            raise CheckpointInvalid("a checkpoint's text ends with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointInvalid(f"a checkpoint has at least 3 lines (origin, tree size, root "
                                    f"hash), found {len(lines)}")
        origin, size, root, *extensions = lines
        if not _SIZE.fullmatch(size):
            raise CheckpointInvalid(f"line 2: the tree size is a decimal number without leading "
                                    f"zeros, found {size!r:.80}")
        try:
            raw = base64.b64decode(root, validate=True)
        except (binascii.Error, ValueError):
            raise CheckpointInvalid(f"line 3: the root hash is base64, found {root!r:.80}") from None
        if base64.b64encode(raw).decode("ascii") != root or len(raw) != HASH_SIZE:
            raise CheckpointInvalid(f"line 3: the root hash is {HASH_SIZE} bytes in canonical "
                                    f"base64, found {root!r:.80}")
        return cls(origin, int(size), raw, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    """The checkpoint as a signed note, signed by ``signer`` (whose name is the origin)."""
    if signer.name != checkpoint.origin:
        raise CheckpointInvalid(f"the log signs its checkpoints with a key named after its "
                                f"origin {checkpoint.origin!r}, not {signer.name!r}")
    return sign_note(checkpoint.text, signer)


def open_checkpoint(note: str | bytes, verifier: Verifier, *, origin: str | None = None
                    ) -> Checkpoint:
    """The checkpoint in ``note`` once its signature by ``verifier`` verified.

    Its origin must be ``origin``, by default the key's name: a checkpoint of another log
    signed with the same key is refused.
    """
    expected = verifier.name if origin is None else origin
    checkpoint = Checkpoint.parse(open_note(note, verifier, kind="checkpoint").text)
    if checkpoint.origin != expected:
        raise CheckpointInvalid(f"the checkpoint is for log {checkpoint.origin!r}, expected "
                                f"{expected!r}")
    return checkpoint


def _check_line(what: str, line: object) -> None:
    if not isinstance(line, str) or not line or _CONTROL.search(line):
        raise CheckpointInvalid(f"{what} is a non-empty line without control characters, "
                                f"found {line!r:.80}")
