"""``policy-site check`` and the lock with a version's own facts: the next version's facts settle
its placeholders without touching what is in effect, a changed fact in effect is refused with
advice, and a version's facts file is locked with its other files once it takes effect.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from testbed.facts import (
    COMPANY,
    CURRENT,
    FACTS,
    LOCK,
    OWN_FACTS,
    TRANSFERS,
    facts_yml,
    fill_in_the_site_s_own_facts,
    give,
)
from testbed.site import tree_digest

# --- check ----------------------------------------------------------------------------------------

def test_the_next_version_s_facts_settle_its_controller_facts_without_touching_what_is_in_effect(
    run, project: Path
) -> None:
    assert "placeholder controller.name" in run("check", "--no-build").output
    lock_before, current_before = (project / LOCK).read_bytes(), tree_digest(project / CURRENT)
    give(project, facts_yml(COMPANY))

    result = run("check", "--no-build")

    assert result.exit_code == 1, "the transfers and the site's own facts are still placeholders"
    assert "controller." not in result.output
    assert re.search(rf"{FACTS}:\d+: placeholder transfers\.hosting = .* must be filled in before "
                     "2027-01-01 takes effect\n", result.output)
    assert (project / LOCK).read_bytes() == lock_before
    assert tree_digest(project / CURRENT) == current_before


def test_with_every_fact_of_the_next_version_known_check_is_all_good(run, project: Path) -> None:
    give(project, facts_yml({**COMPANY, **TRANSFERS}))
    fill_in_the_site_s_own_facts(project)
    lock_before = (project / LOCK).read_bytes()
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "check: all good" in result.output
    assert (project / LOCK).read_bytes() == lock_before


def test_a_placeholder_in_the_next_version_s_facts_is_named_where_it_is_written(run, project: Path) -> None:
    give(project, facts_yml({"controller.name": "PLACEHOLDER: the name after the merger"}))
    result = run("check", "--no-build")
    assert (f"{OWN_FACTS}:3: placeholder controller.name = 'PLACEHOLDER: the name after the merger' "
            "must be filled in before 2027-01-01 takes effect\n") in result.output
    assert not re.search(rf"{FACTS}:\d+: placeholder controller\.name", result.output)


def test_changing_policy_yml_s_controller_name_still_fails_check_for_the_version_in_effect(
    run, project: Path
) -> None:
    give(project, facts_yml(COMPANY))
    line = next(number for number, text in enumerate(
        (project / FACTS).read_text(encoding="utf-8").split("\n"), 1) if text.startswith("  name: "))
    path = project / FACTS
    path.write_text(path.read_text(encoding="utf-8").replace(
        '"PLACEHOLDER: registered company name (företagsnamn)"', '"Exempel Integritet AB"'),
        encoding="utf-8")
    result = run("check", "--no-build")
    assert result.exit_code == 1
    assert (f"{FACTS}:{line}: controller.name changed, but versions in effect show it as it was when "
            "they took effect: 2026-11-01 (sv, en). Restore its value; to say something new, give "
            f"the new value in the next version's facts.yml ({OWN_FACTS}), so the versions in "
            "effect keep showing what they showed") in result.output


# --- the lock -------------------------------------------------------------------------------------

def test_a_facts_file_added_to_a_version_in_effect_is_refused(run, project: Path) -> None:
    give(project, facts_yml(COMPANY), f"{CURRENT}/facts.yml")
    result = run("check", "--no-build")
    assert result.exit_code == 1
    assert (f"{CURRENT}/facts.yml:1: added after the version took effect on 2026-11-01: remove it "
            "and make the change as a new version") in result.output


def test_the_facts_file_of_a_version_in_effect_is_locked_with_its_other_files(
    run, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = give(project, facts_yml(COMPANY))
    monkeypatch.setenv("POLICY_AS_OF", "2027-01-02")
    assert "locked 2027-01-01" in run("lock").output
    entry = json.loads((project / LOCK).read_text(encoding="utf-8"))["2027-01-01"]
    assert entry["files"]["facts.yml"] == hashlib.sha256(written.read_bytes()).hexdigest()
    assert entry["facts"]["sv"]["controller.name"] == hashlib.sha256(
        COMPANY["controller.name"].encode()).hexdigest(), "the value the version renders"

    written.write_text(written.read_text(encoding="utf-8").replace("Storgatan 1", "Storgatan 2"),
                       encoding="utf-8")
    result = run("check", "--no-build")
    assert result.exit_code == 1
    assert re.search(rf"{OWN_FACTS}:1: changed after the version took effect on 2027-01-01 \(locked "
                     r"sha256 [0-9a-f]{12}…, now [0-9a-f]{12}…\): restore it and publish the change "
                     "as a new version", result.output)


def test_with_no_later_version_naming_a_changed_fact_the_advice_is_to_start_one(
    run, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICY_AS_OF", "2027-01-02")
    run("lock")
    path = project / FACTS
    path.write_text(path.read_text(encoding="utf-8").replace('"imy@imy.se"', '"registrator@imy.se"'),
                    encoding="utf-8")
    result = run("check", "--no-build")
    assert ("2026-11-01 (sv, en), 2027-01-01 (sv, en). Restore its value; to say something new, give "
            "the new value in the facts.yml of the next version (start it with `policy-site new`)"
            ) in result.output
