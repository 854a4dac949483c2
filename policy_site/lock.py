"""History is immutable: a committed lock file records each effective version's file hashes.

``policy_src/versions.lock`` (JSON, committed) maps each version in effect to the SHA-256 of its
files. ``policy-site check`` compares the sources with it, so an edit to a version that has
already taken effect (even a comma) is caught before it is published; ``policy-site lock`` and
``policy-site new`` add versions as they take effect and never rewrite an existing entry.

Pure: no MkDocs import.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

from policy_core.hashing import sha256_hex
from policy_core.languages import LANGUAGES
from policy_core.versions import PolicyVersion
from policy_site.checks import unfinished_summaries
from policy_site.errors import PolicySiteError
from policy_site.sources import Problem

LOCK_FILE = "versions.lock"
LOCKED_FILES = (*(f"{lang}.md" for lang in LANGUAGES), "cookies.yml")


class LockError(PolicySiteError):
    """The lock file cannot be read, or a version cannot be locked yet."""


def file_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file of a version that the lock covers (whole files, front matter too)."""
    return {name: sha256_hex((folder / name).read_bytes())
            for name in LOCKED_FILES if (folder / name).is_file()}


def read_lock(path: Path) -> dict[str, dict[str, str]]:
    """The recorded hashes; a missing file is an empty lock (no version has taken effect yet)."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise LockError(f"{path}:{error.lineno}: not valid JSON ({error.msg}); restore it from "
                        "version control") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise LockError(f"{path}:1: expected {{\"<version id>\": {{\"<file>\": \"<sha256>\"}}}}")
    return data


def write_lock(path: Path, lock: dict[str, dict[str, str]]) -> None:
    """Sorted and indented, so each newly locked version is a small, reviewable diff."""
    ordered = {version: dict(sorted(files.items())) for version, files in sorted(lock.items())}
    path.write_text(json.dumps(ordered, indent=2) + "\n", encoding="utf-8")


def updated_lock(
    root: Path, lock: dict[str, dict[str, str]], versions: list[PolicyVersion], as_of: date
) -> dict[str, dict[str, str]]:
    """The lock with every version in effect on ``as_of`` added; existing entries are kept."""
    new = dict(lock)
    for version in versions:
        if version.effective <= as_of and version.id not in new:
            new[version.id] = file_hashes(root / "versions" / version.id)
    return new


def lock_in_effect(root: Path, versions: list[PolicyVersion], as_of: date) -> list[str]:
    """Add every version in effect on ``as_of`` to ``root``'s lock file; the ids added, sorted.

    A version whose summary was never written is refused and nothing is written: a version is
    locked only when finished, since its entry can never change afterwards.
    """
    unfinished = unfinished_summaries(v for v in versions if v.effective <= as_of)
    if unfinished:
        raise LockError("\n".join([*map(str, unfinished), "nothing was locked: a version is "
                                    "locked only when finished"]))
    path = root / LOCK_FILE
    before = read_lock(path)
    after = updated_lock(root, before, versions, as_of)
    if after != before or not path.exists():
        write_lock(path, after)
    return sorted(set(after) - set(before))


def verify_lock(
    root: Path, lock: dict[str, dict[str, str]], versions: list[PolicyVersion], as_of: date,
    show: Callable[[Path], str] = str,
) -> list[Problem]:
    """Every difference between the sources and the lock, as problems an editor can act on."""
    problems = []
    known = {version.id: version for version in versions}
    lock_path = root / LOCK_FILE
    for version_id, locked in sorted(lock.items()):
        folder = root / "versions" / version_id
        if version_id not in known:
            problems.append(Problem(show(lock_path), None, f"version {version_id} is locked but "
                                    f"{show(folder)} is missing: restore it from version control"))
            continue
        actual = file_hashes(folder)
        for name in sorted(set(locked) | set(actual)):
            path = show(folder / name)
            effective = known[version_id].effective
            if name not in actual:
                problems.append(Problem(path, None, f"deleted after the version took effect on "
                                        f"{effective}: restore it from version control"))
            elif name not in locked:
                problems.append(Problem(path, 1, f"added after the version took effect on "
                                        f"{effective}: remove it and make the change as a new version"))
            elif locked[name] != actual[name]:
                problems.append(Problem(path, 1, f"changed after the version took effect on "
                                        f"{effective} (locked sha256 {locked[name][:12]}…, now "
                                        f"{actual[name][:12]}…): restore it and make the change "
                                        "as a new version with `policy-site new`"))
    for version in versions:
        if version.effective <= as_of and version.id not in lock:
            problems.append(Problem(show(root / "versions" / version.id / f"{LANGUAGES[0]}.md"), 1,
                                    f"in effect since {version.effective} but not in "
                                    f"{show(lock_path)}: run `policy-site lock`"))
    return problems
