"""History is immutable: a committed lock file records what each version in effect shows.

``policy_src/versions.lock`` (JSON, committed) holds, for each version in effect, the SHA-256 of
its files (its own ``facts.yml`` among them), of every fact its texts name (per language, the
value as it is rendered, from ``policy.yml`` or its own ``facts.yml``), and of the text a visitor
is shown (``text_sha256``, as in ``versions.json``)::

    {"2026-11-01": {"facts": {"en": {"controller.name": "<sha256>", ...}, "sv": {...}},
                    "files": {"cookies.yml": "<sha256>", "en.md": "<sha256>", "sv.md": "<sha256>"},
                    "text_sha256": {"en": "<sha256>", "sv": "<sha256>"}}}

``policy-site check`` compares the sources with it, so an edit that changes what a version in
effect says (a comma in its text, a fact it names, the way its cookie table is rendered) is
caught before it is published; ``policy-site lock`` and ``policy-site new`` add versions as they
take effect and never rewrite an existing entry.

Pure: no MkDocs import.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from policy_core.hashing import sha256_hex
from policy_core.languages import LANGUAGES
from policy_core.manifest import ShownText, shown_text_bytes
from policy_core.versions import PolicyVersion
from policy_site.checks import unfinished_summaries
from policy_site.errors import PolicySiteError
from policy_site.facts import VERSION_FACTS_FILE, Facts, fact_keys, facts_file_of
from policy_site.sources import PolicySources, Problem

LOCK_FILE = "versions.lock"
LOCKED_FILES = (*(f"{lang}.md" for lang in LANGUAGES), "cookies.yml", VERSION_FACTS_FILE)
NEW_VERSION_ADVICE = "publish the change as a new version with `policy-site new`"


class LockError(PolicySiteError):
    """The lock file cannot be read, or a version cannot be locked yet."""


@dataclass(frozen=True)
class LockedVersion:
    """What one version in effect showed when it was locked."""

    files: Mapping[str, str]
    """File name → SHA-256 of the whole file (front matter too)."""
    facts: Mapping[str, Mapping[str, str]]
    """Language → fact key → SHA-256 of the value that language's text renders."""
    text_sha256: Mapping[str, str]
    """Language → SHA-256 of the shown text (``/versions/<id>/<lang>.shown.md``)."""

    def to_json(self) -> dict[str, Any]:
        return {"facts": {lang: dict(sorted(keys.items())) for lang, keys in sorted(self.facts.items())},
                "files": dict(sorted(self.files.items())),
                "text_sha256": dict(sorted(self.text_sha256.items()))}


Lock = dict[str, LockedVersion]


def file_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file of a version that the lock covers (whole files, front matter too)."""
    return {name: sha256_hex((folder / name).read_bytes())
            for name in LOCKED_FILES if (folder / name).is_file()}


def fact_hashes(facts: Facts, version: PolicyVersion) -> dict[str, dict[str, str]]:
    """Per language, the SHA-256 of each fact's value as that language of ``version`` renders it."""
    own = facts.of(version.id)
    return {lang: {key: sha256_hex((own.text(key, lang) or "").encode("utf-8"))
                   for key in fact_keys(version.text(lang).body)}
            for lang in LANGUAGES}


def locked_version(folder: Path, version: PolicyVersion, facts: Facts, shown: ShownText) -> LockedVersion:
    """The entry that locks ``version`` as its sources and its facts render it now."""
    return LockedVersion(
        files=file_hashes(folder),
        facts=fact_hashes(facts, version),
        text_sha256={lang: sha256_hex(shown_text_bytes(shown(version, lang))) for lang in LANGUAGES},
    )


def read_lock(path: Path) -> Lock:
    """The recorded entries; a missing file is an empty lock (no version has taken effect yet)."""
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise LockError(f"{path}:{error.lineno}: not valid JSON ({error.msg}); restore it from "
                        "version control") from None
    if not isinstance(data, dict):
        raise LockError(f"{path}:1: expected {{\"<version id>\": {{...}}}}; restore it from version control")
    return {version_id: _entry(path, text, version_id, entry) for version_id, entry in data.items()}


def write_lock(path: Path, lock: Lock) -> None:
    """Sorted and indented, so each newly locked version is a small, reviewable diff."""
    ordered = {version_id: entry.to_json() for version_id, entry in sorted(lock.items())}
    path.write_text(json.dumps(ordered, indent=2) + "\n", encoding="utf-8")


def updated_lock(root: Path, lock: Lock, sources: PolicySources, as_of: date, shown: ShownText) -> Lock:
    """The lock with every version in effect on ``as_of`` added; existing entries are kept."""
    new = dict(lock)
    for version in sources.versions:
        if version.effective <= as_of and version.id not in new:
            new[version.id] = locked_version(root / "versions" / version.id, version, sources.facts, shown)
    return new


def lock_in_effect(root: Path, sources: PolicySources, as_of: date, shown: ShownText) -> list[str]:
    """Add every version in effect on ``as_of`` to ``root``'s lock file; the ids added, sorted.

    A version whose summary was never written is refused and nothing is written: a version is
    locked only when finished, since its entry can never change afterwards.
    """
    unfinished = unfinished_summaries(v for v in sources.versions if v.effective <= as_of)
    if unfinished:
        raise LockError("\n".join([*map(str, unfinished), "nothing was locked: a version is "
                                    "locked only when finished"]))
    path = root / LOCK_FILE
    before = read_lock(path)
    after = updated_lock(root, before, sources, as_of, shown)
    if after != before or not path.exists():
        write_lock(path, after)
    return sorted(set(after) - set(before))


def verify_lock(root: Path, lock: Lock, sources: PolicySources, as_of: date, shown: ShownText,
                show: Callable[[Path], str] = str) -> list[Problem]:
    """Every difference between what the versions in effect show and the lock, as problems an
    editor can act on: what changed since a version was locked, and a version in effect that
    is not locked yet."""
    return (changed_since_locked(root, lock, sources, as_of, shown, show)
            + unlocked(root, lock, sources.versions, as_of, show))


def changed_since_locked(root: Path, lock: Lock, sources: PolicySources, as_of: date, shown: ShownText,
                         show: Callable[[Path], str] = str) -> list[Problem]:
    """What a locked version shows that differs from the lock: a changed file at the file, a
    changed fact at the line its value is written on (once, naming every version and language
    that shows it), and a shown text that changed with neither at the version's text."""
    problems = []
    known = {version.id: version for version in sources.versions}
    lock_path = root / LOCK_FILE
    changed_facts: dict[str, list[tuple[str, str]]] = {}
    for version_id, locked in sorted(lock.items()):
        folder = root / "versions" / version_id
        version = known.get(version_id)
        if version is None:
            problems.append(Problem(show(lock_path), None, f"version {version_id} is locked but "
                                    f"{show(folder)} is missing: restore it from version control"))
            continue
        now = locked_version(folder, version, sources.facts, shown)
        file_problems = _file_problems(locked, now, version, folder, show)
        problems += file_problems
        if file_problems:
            continue
        for lang in LANGUAGES:
            before, after = locked.facts.get(lang, {}), now.facts[lang]
            keys = [key for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]
            for key in keys:
                changed_facts.setdefault(key, []).append((version_id, lang))
            if not keys and locked.text_sha256.get(lang) != now.text_sha256[lang]:
                problems.append(Problem(show(folder / f"{lang}.md"), 1, _text_changed(
                    version, lang, locked.text_sha256.get(lang, ""), now.text_sha256[lang])))
    later = [version for version in sources.versions if version.effective > as_of]
    fact_problems = [_fact_problem(sources.facts, key, shown_in, later)
                     for key, shown_in in changed_facts.items()]
    problems += sorted(fact_problems, key=lambda problem: problem.line or 0)
    return problems


def unlocked(root: Path, lock: Lock, versions: list[PolicyVersion], as_of: date,
             show: Callable[[Path], str] = str) -> list[Problem]:
    """Every version in effect on ``as_of`` that the lock does not hold yet."""
    return [Problem(show(root / "versions" / version.id / f"{LANGUAGES[0]}.md"), 1,
                    f"in effect since {version.effective} but not in {show(root / LOCK_FILE)}: "
                    "run `policy-site lock`")
            for version in versions if version.effective <= as_of and version.id not in lock]


def _file_problems(locked: LockedVersion, now: LockedVersion, version: PolicyVersion, folder: Path,
                   show: Callable[[Path], str]) -> list[Problem]:
    problems = []
    effective = version.effective
    for name in sorted(set(locked.files) | set(now.files)):
        path = show(folder / name)
        if name not in now.files:
            problems.append(Problem(path, None, f"deleted after the version took effect on "
                                    f"{effective}: restore it from version control"))
        elif name not in locked.files:
            problems.append(Problem(path, 1, f"added after the version took effect on "
                                    f"{effective}: remove it and make the change as a new version"))
        elif locked.files[name] != now.files[name]:
            problems.append(Problem(path, 1, f"changed after the version took effect on "
                                    f"{effective} (locked sha256 {locked.files[name][:12]}…, now "
                                    f"{now.files[name][:12]}…): restore it and {NEW_VERSION_ADVICE}"))
    return problems


def _fact_problem(facts: Facts, key: str, shown_in: list[tuple[str, str]],
                  later: list[PolicyVersion]) -> Problem:
    """One problem per changed fact, at its line in policy.yml (that language's line when only
    one language changed), saying where the new value belongs: the next version's facts.yml.

    Always policy.yml: a version's own facts.yml is one of its locked files, so a change there is
    named as a changed file."""
    by_version: dict[str, list[str]] = {}
    for version_id, lang in shown_in:
        by_version.setdefault(version_id, []).append(lang)
    changed_in = {lang for _, lang in shown_in}
    path, line = facts.where(key, next(iter(changed_in)) if len(changed_in) == 1 else None)
    versions = ", ".join(f"{version_id} ({', '.join(langs)})" for version_id, langs in by_version.items())
    naming = [facts_file_of(version) for version in later
              if any(key in fact_keys(version.text(lang).body) for lang in LANGUAGES)]
    target = (f"the next version's facts.yml ({' and '.join(naming)})" if naming else
              "the facts.yml of the next version (start it with `policy-site new`)")
    return Problem(path, line, (
        f"{key} changed, but versions in effect show it as it was when they took effect: "
        f"{versions}. Restore its value; to say something new, give the new value in {target}, "
        "so the versions in effect keep showing what they showed"))


def _text_changed(version: PolicyVersion, lang: str, locked: str, now: str) -> str:
    return (f"the text shown for version {version.id} ({lang}) changed, though neither its files "
            f"nor its facts did (locked text_sha256 {locked[:12]}…, now {now[:12]}…): the way the "
            "site renders it (the cookie table, the generator's wording) changed; a version in "
            f"effect must keep showing what it showed: restore that rendering, or {NEW_VERSION_ADVICE}")


def _entry(path: Path, text: str, version_id: str, entry: Any) -> LockedVersion:
    """One entry, checked for shape so a hand-edited or outdated lock is named where it is wrong."""
    if (isinstance(entry, dict) and set(entry) == {"facts", "files", "text_sha256"}
            and _hashes(entry["files"]) and _hashes(entry["text_sha256"])
            and isinstance(entry["facts"], dict) and all(map(_hashes, entry["facts"].values()))):
        return LockedVersion(files=entry["files"], facts=entry["facts"], text_sha256=entry["text_sha256"])
    found = re.search(rf'^\s*"{re.escape(version_id)}"\s*:', text, re.MULTILINE)
    line = text[: found.start()].count("\n") + 1 if found else 1
    raise LockError(f"{path}:{line}: the entry of {version_id} is not {{\"facts\": {{\"<lang>\": "
                    "{\"<key>\": \"<sha256>\"}}, \"files\": {\"<file>\": \"<sha256>\"}, "
                    "\"text_sha256\": {\"<lang>\": \"<sha256>\"}}: restore it from version control")


def _hashes(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
