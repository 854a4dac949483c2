"""``versions.lock``: once a version is in effect, what it shows never changes.

The lock holds, per version in effect, the hashes of its files, of each fact from ``policy.yml``
its texts name (per language) and of the text a visitor is shown. ``policy-site check`` names
every change, ``policy-site lock`` only ever adds entries.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path

from policy_core.languages import LANGUAGES
from policy_site import lock
from policy_site.facts import fact_keys
from policy_site.pages import SiteContent
from policy_site.sources import load_sources
from testbed.site import REPO

FACTS = "policy_src/policy.yml"
LOCK = "policy_src/versions.lock"


def edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` (which must occur once) and return the line it is on."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def lock_problems(project: Path, as_of: str = "2026-12-01") -> list[str]:
    """What ``check`` reports about the lock alone, the other checks left out."""
    sources = load_sources(project / "policy_src", display_base=project)
    return [str(problem) for problem in lock.verify_lock(
        project / "policy_src", lock.read_lock(project / LOCK), sources, date.fromisoformat(as_of),
        SiteContent(sources, date.max).shown_text, lambda path: str(path.relative_to(project)))]


# --- the format -----------------------------------------------------------------------------------

def test_the_shipped_lock_is_exactly_what_lock_writes_for_the_versions_in_effect(run, project: Path) -> None:
    shipped = (project / LOCK).read_bytes()
    (project / LOCK).unlink()
    result = run("lock")
    assert result.exit_code == 0 and "locked 2018-05-25, 2026-11-01" in result.output
    assert (project / LOCK).read_bytes() == shipped


def test_each_entry_names_the_facts_each_language_renders_and_hashes_their_values() -> None:
    entries = json.loads((REPO / LOCK).read_text(encoding="utf-8"))
    sources = load_sources(REPO / "policy_src", display_base=REPO)
    versions = {version.id: version for version in sources.versions}
    assert entries["2018-05-25"]["facts"] == {"en": {}, "sv": {}}, "the 2018 texts name no facts"
    for version_id, entry in entries.items():
        assert list(entry) == ["facts", "files", "text_sha256"]
        for lang in LANGUAGES:
            keys = fact_keys(versions[version_id].text(lang).body)
            assert list(entry["facts"][lang]) == keys
            assert entry["facts"][lang] == {key: hashlib.sha256(
                sources.facts.text(key, lang).encode()).hexdigest() for key in keys}
    assert "controller.name" in entries["2026-11-01"]["facts"]["sv"]


def test_the_locked_text_hash_is_the_one_the_site_publishes(built_site: Path) -> None:
    entries = json.loads((REPO / LOCK).read_text(encoding="utf-8"))
    manifest = json.loads((built_site / "versions.json").read_bytes())
    published = {version["id"]: version for version in manifest["versions"]}
    for version_id, entry in entries.items():
        for lang in LANGUAGES:
            edition = published[version_id]["languages"][lang]
            shown = (built_site / edition["text_url"].lstrip("/")).read_bytes()
            assert entry["text_sha256"][lang] == edition["text_sha256"] == hashlib.sha256(shown).hexdigest()


def test_a_lock_reads_back_as_it_was_written(tmp_path: Path) -> None:
    entries = lock.read_lock(REPO / LOCK)
    copy = tmp_path / "versions.lock"
    lock.write_lock(copy, entries)
    assert lock.read_lock(copy) == entries
    assert copy.read_bytes() == (REPO / LOCK).read_bytes()


def test_an_entry_in_another_shape_is_named_with_its_line(run, project: Path) -> None:
    (project / LOCK).write_text('{\n  "2018-05-25": {\n    "sv.md": "6f8c26837ce5"\n  }\n}\n',
                                encoding="utf-8")
    result = run("check", "--no-build")
    assert result.exit_code == 1
    assert re.search(r"policy_src/versions\.lock:2: the entry of 2018-05-25 is not \{\"facts\": .* "
                     "restore it from version control", result.output)


# --- facts ----------------------------------------------------------------------------------------

def test_a_changed_fact_a_version_in_effect_shows_fails_check_naming_its_line_and_the_versions(
    run, project: Path
) -> None:
    line = edit(project / FACTS, '"PLACEHOLDER: +46 xx xxx xx xx"', '"+46 8 123 45 67"')
    result = run("check", "--no-build")
    assert result.exit_code == 1
    assert (f"{FACTS}:{line}: controller.phone changed, but versions in effect show it as it was "
            "when they took effect: 2026-11-01 (sv, en). Restore its value; to say something new, "
            "give the new value in the next version's facts.yml "
            "(policy_src/versions/2027-01-01/facts.yml), so the versions in effect keep showing "
            "what they showed") in result.output


def test_a_fact_changed_in_one_language_is_named_at_that_language_s_line(run, project: Path) -> None:
    line = edit(project / FACTS, '(Integritetsskyddsmyndigheten, IMY)"', '(IMY)"')
    result = run("check", "--no-build")
    assert result.exit_code == 1
    assert (f"{FACTS}:{line}: supervisory_authority.name changed, but versions in effect show it as "
            "it was when they took effect: 2026-11-01 (en).") in result.output


def test_every_version_in_effect_that_shows_a_changed_fact_is_named(run, project: Path,
                                                                   monkeypatch) -> None:
    monkeypatch.setenv("POLICY_AS_OF", "2027-01-02")
    assert "locked 2027-01-01" in run("lock").output
    line = edit(project / FACTS, '"imy@imy.se"', '"registrator@imy.se"')
    result = run("check", "--no-build")
    assert result.exit_code == 1
    assert (f"{FACTS}:{line}: supervisory_authority.email changed, but versions in effect show it as "
            "it was when they took effect: 2026-11-01 (sv, en), 2027-01-01 (sv, en).") in result.output
    assert result.output.count("supervisory_authority.email changed") == 1


def test_a_fact_only_an_upcoming_version_names_may_change_freely(project: Path) -> None:
    edit(project / FACTS, '"PLACEHOLDER: support system supplier; transfer outside the EU/EEA (to where, '
         'on what basis) or none"', '"Supportsystem AB; no transfer outside the EU/EEA."')
    assert lock_problems(project) == []


def test_a_change_published_as_a_new_version_under_a_new_key_passes(run, project: Path) -> None:
    assert run("new", "--effective", "2027-06-01").exit_code == 0
    for lang in LANGUAGES:
        path = project / f"policy_src/versions/2027-06-01/{lang}.md"
        path.write_text(path.read_text(encoding="utf-8").replace("{{ controller.phone }}",
                                                                 "{{ contact.phone }}"), encoding="utf-8")
    with (project / FACTS).open("a", encoding="utf-8") as facts:
        facts.write('\ncontact:\n  phone: "+46 8 123 45 67"\n')
    assert lock_problems(project) == []
    edit(project / FACTS, '"+46 8 123 45 67"', '"+46 8 765 43 21"')
    assert lock_problems(project) == [], "the new key is named by versions not yet in effect only"


def test_lock_never_rewrites_an_entry_whose_facts_changed(run, project: Path) -> None:
    before = (project / LOCK).read_bytes()
    edit(project / FACTS, '"Box 8114, 104 20 Stockholm"', '"Box 8114, 104 20 Stockholm C"')
    result = run("lock")
    assert result.exit_code == 0 and "already up to date" in result.output
    assert (project / LOCK).read_bytes() == before
    assert run("check", "--no-build").exit_code == 1


# --- the text shown -------------------------------------------------------------------------------

def test_a_shown_text_that_changed_with_neither_files_nor_facts_is_named_at_its_text(
    run, project: Path
) -> None:
    entries = json.loads((project / LOCK).read_text(encoding="utf-8"))
    entries["2026-11-01"]["text_sha256"]["sv"] = "0" * 64
    (project / LOCK).write_text(json.dumps(entries, indent=2) + "\n", encoding="utf-8")
    result = run("check", "--no-build")
    assert result.exit_code == 1
    assert re.search(r"policy_src/versions/2026-11-01/sv\.md:1: the text shown for version 2026-11-01 "
                     r"\(sv\) changed, though neither its files nor its facts did \(locked text_sha256 "
                     r"000000000000…, now [0-9a-f]{12}…\)", result.output)
    assert "2026-11-01 (en)" not in result.output
