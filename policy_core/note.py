"""Signed notes with Ed25519: C2SP signed-note (https://c2sp.org/signed-note).

A note is a text ending in a newline, a blank line, then one or more signature lines
``— <key name> <base64(key ID || signature)>``, and the signature is Ed25519 (RFC 8032) over
the text, final newline included. This module signs, reads and verifies notes; the keys that
do it, with their key IDs and their vkey and skey text, are :mod:`policy_core.note_keys`.

Checkpoints (:mod:`policy_core.checkpoint`) and receipts (:mod:`policy_core.receipt`) are
notes signed with the log's one key, so one vkey verifies both.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

from policy_core.note_keys import (
    CONTROL_CHARACTERS,
    MalformedKey,
    NoteError,
    Signer,
    Verifier,
    is_key_name,
    strict_base64,
)

MAX_NOTE_BYTES = 1 << 16
"""The largest note read or written, in UTF-8 bytes."""

MAX_SIGNATURES = 100
"""The most signature lines a note may carry (the spec asks to accept at least 16)."""

_SIGNATURE_PREFIX = "— "


class MalformedNote(NoteError):
    """The note cannot be read: not UTF-8, a control character, no blank line before the
    signatures, or a signature line of the wrong form."""


class UnknownKey(NoteError):
    """No signature on the note is by a key the verifier knows."""


class BadSignature(NoteError):
    """A signature by a known key does not verify: the text was changed after signing, or it
    was signed by another key with the same name and key ID."""


@dataclass(frozen=True)
class Signature:
    """One signature line: the key's name and ID, and the signature bytes after the ID."""

    name: str
    key_id: bytes
    signature: bytes

    @property
    def encoded(self) -> str:
        """base64(key ID || signature), as the signature line carries it."""
        return base64.b64encode(self.key_id + self.signature).decode("ascii")

    @property
    def line(self) -> str:
        return f"{_SIGNATURE_PREFIX}{self.name} {self.encoded}\n"


@dataclass(frozen=True)
class Note:
    """A note that verified: its text, the signatures that verified and those by unknown keys."""

    text: str
    verified: tuple[Signature, ...]
    unverified: tuple[Signature, ...]


def sign_note(text: str, *signers: Signer) -> str:
    """The signed note of ``text`` (which ends in a newline) with one line per signer."""
    if not signers:
        raise NoteError("a note needs at least one signer")
    if not isinstance(text, str) or not text.endswith("\n"):
        raise MalformedNote(f"a note's text ends with a newline, found {text!r:.120}")
    _check_characters(text)
    encoded = text.encode("utf-8")
    lines = [Signature(s.name, s.verifier.key_id, s.sign(encoded)).line for s in signers]
    note = text + "\n" + "".join(lines)
    if len(note.encode("utf-8")) > MAX_NOTE_BYTES:
        raise MalformedNote(f"a note is at most {MAX_NOTE_BYTES} bytes")
    return note


def add_signature(note: str, signer: Signer) -> str:
    """``note`` with one more signature line, by ``signer``, over the same text: how a log
    whose key was rotated vouches for the checkpoint the old key signed, and how a witness
    cosigns. The signatures already there are kept as they are."""
    text, _ = parse_note(note)
    return note + sign_note(text, signer)[len(text) + 1:]


def parse_note(note: str | bytes) -> tuple[str, tuple[Signature, ...]]:
    """The text and the signatures of ``note``, read but not verified."""
    if isinstance(note, bytes):
        if len(note) > MAX_NOTE_BYTES:
            raise MalformedNote(f"the note is {len(note)} bytes, at most {MAX_NOTE_BYTES} are read")
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as error:
            raise MalformedNote(f"the note is not UTF-8 (byte {error.start})") from None
    elif not isinstance(note, str):
        raise MalformedNote(f"a note is text, found {type(note).__name__}")
    elif len(note.encode("utf-8", "surrogatepass")) > MAX_NOTE_BYTES:
        raise MalformedNote(f"the note is longer than {MAX_NOTE_BYTES} bytes")
    _check_characters(note)
    split = note.rfind("\n\n")
    if split < 0:
        raise MalformedNote("the note has no blank line between its text and its signatures")
    text, block = note[:split + 1], note[split + 2:]
    if not block.endswith("\n"):
        raise MalformedNote("the note's last signature line does not end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNote(f"the note has {len(lines)} signatures, at most {MAX_SIGNATURES} "
                            "are read")
    first_line = text.count("\n") + 2
    return text, tuple(_parse_signature(line, first_line + n) for n, line in enumerate(lines))


def open_note(note: str | bytes, verifiers: Verifier | Iterable[Verifier], *, kind: str = "note"
              ) -> Note:
    """Read ``note`` and verify it with the known ``verifiers``.

    Signatures by unknown keys are ignored (the spec requires it: they may be a witness's
    cosignature or a rotated key). Raises :class:`BadSignature` when a known key's signature
    fails, :class:`UnknownKey` when no known key signed; ``kind`` names the note in messages.
    """
    known = _by_key(verifiers)
    text, signatures = parse_note(note)
    encoded = text.encode("utf-8")
    verified, unverified = [], []
    for signature in signatures:
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None:
            unverified.append(signature)
        elif verifier.verifies(encoded, signature.signature):
            verified.append(signature)
        else:
            raise BadSignature(f"the {kind}'s signature by {signature.name}+"
                               f"{signature.key_id.hex()} does not verify: the {kind} was changed "
                               "after it was signed, or another key with that name and ID signed it")
    if not verified:
        expected = ", ".join(f"{name}+{ident.hex()}" for name, ident in known)
        found = ", ".join(f"{s.name}+{s.key_id.hex()}" for s in signatures)
        raise UnknownKey(f"the {kind} is not signed by {expected}; it is signed by {found}")
    return Note(text, tuple(verified), tuple(unverified))


def _by_key(verifiers: Verifier | Iterable[Verifier]) -> dict[tuple[str, bytes], Verifier]:
    listed = [verifiers] if isinstance(verifiers, Verifier) else list(verifiers)
    known: dict[tuple[str, bytes], Verifier] = {}
    for verifier in listed:
        if not isinstance(verifier, Verifier):
            raise NoteError(f"a note is verified with Verifier objects, found "
                            f"{type(verifier).__name__}")
        other = known.setdefault((verifier.name, verifier.key_id), verifier)
        if other != verifier:
            raise MalformedKey(f"two different keys are both named {verifier.name} with key ID "
                               f"{verifier.key_id.hex()}")
    if not known:
        raise NoteError("a note is verified with at least one key")
    return known


def _parse_signature(line: str, line_number: int) -> Signature:
    where = f"line {line_number} of the note"
    if not line.startswith(_SIGNATURE_PREFIX):
        raise MalformedNote(f"{where} is not a signature line (— <key name> <base64>): "
                            f"{line!r:.120}")
    name, space, encoded = line[len(_SIGNATURE_PREFIX):].partition(" ")
    if not space or not is_key_name(name):
        raise MalformedNote(f"{where}: expected a key name and a signature separated by one space")
    raw = strict_base64(encoded, where, MalformedNote)
    if len(raw) < 5:
        raise MalformedNote(f"{where}: a signature is a 4-byte key ID and the signature, found "
                            f"{len(raw)} bytes")
    return Signature(name, raw[:4], raw[4:])


def _check_characters(text: str) -> None:
    control = CONTROL_CHARACTERS.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        raise MalformedNote(f"line {line} of the note holds the control character "
                            f"{control.group()!r}; only newlines are allowed")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise MalformedNote(f"the note is not valid Unicode (character {error.start})") from None
