"""The log's signing key: created once by ``init-db``, read by every process that signs.

The key signs receipts and checkpoints; whoever holds it can sign a checkpoint for a rewritten
log, so it lives in a file only its owner can read (mode 0600), ``consent-log.key`` in the
Flask instance folder unless ``CONSENT_LOG_KEY_FILE`` names another path. The file holds the
C2SP signed-note private key (``PRIVATE+KEY+<name>+<id>+<key>``); the key's name is the
log's origin, the first line of every checkpoint. No message here ever quotes the file's
content.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from policy_core.note_keys import NoteError, Signer

from .engine import StorageError

DEFAULT_KEY_FILE = "consent-log.key"


class LogKeyError(StorageError):
    """The signing key is missing, unreadable or not private; the message says what to do."""


def create_key(path: Path, origin: str) -> tuple[Signer, bool]:
    """The key in ``path``, made now (named ``origin``) when the file does not exist yet.

    Returns the signer and whether it was created. An existing key is never replaced: a new
    key would sign checkpoints nobody can tie to the earlier ones (see the README on rotation).
    """
    if path.exists():
        return load_key(path), False
    try:
        signer = Signer.generate(origin)
    except NoteError as error:
        raise LogKeyError(f"CONSENT_LOG_ORIGIN={origin!r} cannot name the log's key: {error}") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_key(path), False
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(signer.skey + "\n")
        file.flush()
        os.fsync(file.fileno())
    return signer, True


def load_key(path: Path) -> Signer:
    """The signer in ``path``; refuses a file that others than its owner can read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise LogKeyError(
            f"the log's signing key {path} does not exist: run "
            "`flask --app consent_service.app consent init-db`, or set CONSENT_LOG_KEY_FILE"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise LogKeyError(f"the log's signing key {path} can be read by others "
                          f"(mode {stat.S_IMODE(mode):o}): run `chmod 600 {path}`")
    try:
        return Signer.from_skey(path.read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError, NoteError):
        raise LogKeyError(f"{path} does not hold a signed-note private key "
                          "(PRIVATE+KEY+<name>+<id>+<key>)") from None
