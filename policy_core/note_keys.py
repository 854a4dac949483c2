"""The keys of signed notes: key names, key IDs, and Ed25519 keys as vkey and skey text.

A verifier key (*vkey*) is the text ``<key name>+<hex key ID>+<base64(0x01 || public key)>``;
it is what the log publishes and what auditors pin. The key ID is the first four bytes of
``SHA-256(key name || 0x0A || 0x01 || public key)``. The signer key (*skey*)
``PRIVATE+KEY+<key name>+<hex key ID>+<base64(0x01 || seed)>`` is the encoding of Go's
golang.org/x/mod/sumdb/note (C2SP signed-note gives none), so a key can be moved between this
code and the Go tools.

Kept apart from the notes themselves (:mod:`policy_core.note`) because most of the code only
handles keys: the service loads its signer, auditors read a pinned vkey. The text rules keys
and notes share (key names, control characters, canonical base64) are written here once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from policy_core.errors import CoreError

ED25519 = 0x01
"""The signature type byte of Ed25519 signatures."""

CONTROL_CHARACTERS = re.compile(r"[\x00-\x09\x0b-\x1f]")
"""Every control character but the newline: neither a key name nor a note may hold one."""

_SKEY_PREFIX = "PRIVATE+KEY+"
_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}", re.ASCII)


class NoteError(CoreError):
    """A note or a key does not fit C2SP signed-note, or does not verify."""


class MalformedKey(NoteError):
    """A vkey, an skey or a key name does not have the form the spec gives it."""


def check_key_name(name: str) -> str:
    """``name`` if it is a key name: non-empty, no Unicode space, no ``+``."""
    if not is_key_name(name):
        raise MalformedKey(f"a key name is non-empty, without spaces or '+', found {name!r:.120}")
    return name


def is_key_name(name: object) -> bool:
    """Whether ``name`` is a key name (see :func:`check_key_name`)."""
    return (isinstance(name, str) and bool(name) and "+" not in name
            and not any(ch.isspace() for ch in name) and not CONTROL_CHARACTERS.search(name))


def key_id(name: str, public_key: bytes) -> bytes:
    """The four-byte key ID of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[:4]."""
    return hashlib.sha256(check_key_name(name).encode("utf-8") + b"\n" + bytes([ED25519])
                          + public_key).digest()[:4]


def strict_base64(encoded: str, where: str, error: type[NoteError]) -> bytes:
    """Standard base64 with padding, in its one canonical spelling, so that no two spellings
    of a signature exist and every changed character of a note is detected; anything else
    raises ``error`` naming ``where``."""
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise error(f"{where}: {encoded!r:.120} is not base64") from None
    if base64.b64encode(raw).decode("ascii") != encoded:
        raise error(f"{where}: {encoded!r:.120} is not canonical base64")
    return raw


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


def _typed_key(encoded: str, where: str) -> bytes:
    raw = strict_base64(encoded, where, MalformedKey)
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
