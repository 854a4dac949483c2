"""Signed notes with Ed25519: C2SP signed-note (https://c2sp.org/signed-note).

A note is a text ending in a newline, a blank line, then one or more signature lines
``— <key name> <base64(key ID || signature)>``. The key ID is the first four bytes of
``SHA-256(key name || 0x0A || 0x01 || public key)``, and the signature is Ed25519 (RFC 8032)
over the text, final newline included. A verifier key (*vkey*) is the text
``<key name>+<hex key ID>+<base64(0x01 || public key)>``; it is what the log publishes and what
auditors pin. The signer key (*skey*) ``PRIVATE+KEY+<key name>+<hex key ID>+<base64(0x01 ||
seed)>`` is the encoding of Go's golang.org/x/mod/sumdb/note (the spec gives none), so a key
can be moved between this code and the Go tools.

Checkpoints (:mod:`policy_core.checkpoint`) and receipts (:mod:`policy_core.receipt`) are
notes signed with the log's one key, so one vkey verifies both.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from policy_core.errors import CoreError

ED25519 = 0x01
"""The signature type byte of Ed25519 signatures."""

MAX_NOTE_BYTES = 1 << 16
"""The largest note read or written, in UTF-8 bytes."""

MAX_SIGNATURES = 100
"""The most signature lines a note may carry (the spec asks to accept at least 16)."""

_SIGNATURE_PREFIX = "— "
_SKEY_PREFIX = "PRIVATE+KEY+"
_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


class NoteError(CoreError):
    """A note or a key does not fit C2SP signed-note, or does not verify."""


class MalformedNote(NoteError):
    """The note cannot be read: not UTF-8, a control character, no blank line before the
    signatures, or a signature line of the wrong form."""


class MalformedKey(NoteError):
    """A vkey, an skey or a key name does not have the form the spec gives it."""


class UnknownKey(NoteError):
    """No signature on the note is by a key the verifier knows."""


class BadSignature(NoteError):
    """A signature by a known key does not verify: the text was changed after signing, or it
    was signed by another key with the same name and key ID."""


def check_key_name(name: str) -> str:
    """``name`` if it is a key name: non-empty, no Unicode space, no ``+``."""
    if not _is_key_name(name):
        raise MalformedKey(f"a key name is non-empty, without spaces or '+', found {name!r:.120}")
    return name


def _is_key_name(name: object) -> bool:
    return (isinstance(name, str) and bool(name) and "+" not in name
            and not any(ch.isspace() for ch in name) and not _CONTROL.search(name))


def key_id(name: str, public_key: bytes) -> bytes:
    """The four-byte key ID of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[:4]."""
    return hashlib.sha256(check_key_name(name).encode("utf-8") + b"\n" + bytes([ED25519])
                          + public_key).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """An Ed25519 public key with its name: what verifies a note."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if not isinstance(self.public_key, bytes) or len(self.public_key) != 32:
            raise MalformedKey(f"an Ed25519 public key is 32 bytes, found {self.public_key!r:.80}")

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        """``<name>+<hex key ID>+<base64(0x01 || public key)>``."""
        return (f"{self.name}+{self.key_id.hex()}+"
                f"{base64.b64encode(bytes([ED25519]) + self.public_key).decode('ascii')}")

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        """The verifier a vkey names; refuses a vkey whose key ID does not match its key."""
        if not isinstance(vkey, str):
            raise MalformedKey(f"a vkey is text, found {type(vkey).__name__}")
        name, plus, rest = vkey.strip().partition("+")
        hex_id, plus_too, encoded = rest.partition("+")
        if not (plus and plus_too):
            raise MalformedKey(f"a vkey is <key name>+<hex key ID>+<base64 key>, found "
                               f"{vkey!r:.120}")
        key = _typed_key(encoded, f"vkey {vkey!r:.120}")
        verifier = cls(check_key_name(name), key)
        _check_key_id(hex_id, verifier.key_id, f"vkey {vkey!r:.120}")
        return verifier

    def verifies(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``text``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except InvalidSignature:
            return False
        return True


class Signer:
    """An Ed25519 private key with its name: what signs a note. Its repr shows no secret."""

    __slots__ = ("name", "_private")

    def __init__(self, name: str, seed: bytes) -> None:
        if not isinstance(seed, bytes) or len(seed) != 32:
            raise MalformedKey("an Ed25519 private key is a 32-byte seed")
        self.name = check_key_name(name)
        self._private = Ed25519PrivateKey.from_private_bytes(seed)

    @classmethod
    def generate(cls, name: str) -> Signer:
        """A new random key named ``name``."""
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        return cls(name, seed)

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        """The signer an skey (``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>``)
        holds; refuses one whose key ID does not match the key. Messages never quote it."""
        if not isinstance(skey, str) or not skey.startswith(_SKEY_PREFIX):
            raise MalformedKey(f"a signer key starts with {_SKEY_PREFIX!r}")
        name, plus, rest = skey.strip()[len(_SKEY_PREFIX):].partition("+")
        hex_id, plus_too, encoded = rest.partition("+")
        if not (plus and plus_too):
            raise MalformedKey(f"a signer key is {_SKEY_PREFIX}<key name>+<hex key ID>+<base64 key>")
        signer = cls(name, _typed_key(encoded, "the signer key"))
        _check_key_id(hex_id, signer.verifier.key_id, "the signer key")
        return signer

    @property
    def skey(self) -> str:
        """The private key as text; keep it secret."""
        seed = self._private.private_bytes_raw()
        return (f"{_SKEY_PREFIX}{self.name}+{self.verifier.key_id.hex()}+"
                f"{base64.b64encode(bytes([ED25519]) + seed).decode('ascii')}")

    @property
    def verifier(self) -> Verifier:
        public = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Verifier(self.name, public)

    def sign(self, text: bytes) -> bytes:
        """The Ed25519 signature of ``text``."""
        return self._private.sign(text)

    def __repr__(self) -> str:
        return f"Signer({self.verifier.vkey!r})"


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
    if not space or not _is_key_name(name):
        raise MalformedNote(f"{where}: expected a key name and a signature separated by one space")
    raw = _strict_base64(encoded, where)
    if len(raw) < 5:
        raise MalformedNote(f"{where}: a signature is a 4-byte key ID and the signature, found "
                            f"{len(raw)} bytes")
    return Signature(name, raw[:4], raw[4:])


def _strict_base64(encoded: str, where: str) -> bytes:
    """Standard base64 with padding, in its one canonical spelling, so that no two spellings
    of a signature exist and every changed character of a note is detected."""
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedNote(f"{where}: {encoded!r:.120} is not base64") from None
    if base64.b64encode(raw).decode("ascii") != encoded:
        raise MalformedNote(f"{where}: {encoded!r:.120} is not canonical base64")
    return raw


def _typed_key(encoded: str, where: str) -> bytes:
    try:
        raw = _strict_base64(encoded, where)
    except MalformedNote as error:
        raise MalformedKey(str(error)) from None
    if not raw or raw[0] != ED25519:
        raise MalformedKey(f"{where}: only Ed25519 keys (type byte 0x01) are supported")
    if len(raw) != 33:
        raise MalformedKey(f"{where}: an Ed25519 key is 32 bytes, found {len(raw) - 1}")
    return raw[1:]


def _check_key_id(hex_id: str, expected: bytes, where: str) -> None:
    if not _KEY_ID_HEX.fullmatch(hex_id):
        raise MalformedKey(f"{where}: the key ID is 8 lowercase hex digits, found {hex_id!r:.20}")
    if bytes.fromhex(hex_id) != expected:
        raise MalformedKey(f"{where}: key ID {hex_id} does not match the name and key, which "
                           f"give {expected.hex()}")


def _check_characters(text: str) -> None:
    control = _CONTROL.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        raise MalformedNote(f"line {line} of the note holds the control character "
                            f"{control.group()!r}; only newlines are allowed")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise MalformedNote(f"the note is not valid Unicode (character {error.start})") from None
