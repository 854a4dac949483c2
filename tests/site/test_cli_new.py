"""``policy-site new`` starts the next version from the latest (texts, facts, inventory, front
matter filled in, a summary left to write), refuses a date that is not later, and with ``lock``
keeps the lock file current.
"""

from __future__ import annotations

import json
from pathlib import Path

from policy_site.sources import load_sources
from testbed.site import AS_OF
from testbed.sources import UPCOMING

# --- new ----------------------------------------------------------------------------------------

def test_new_copies_the_latest_version_with_front_matter_filled_in(run, project: Path) -> None:
    result = run("new", "--effective", "2027-06-01")
    assert result.exit_code == 0, result.output
    folder = project / "policy_src/versions/2027-06-01"
    assert sorted(p.name for p in folder.iterdir()) == ["cookies.yml", "en.md", "sv.md"]
    sv = (folder / "sv.md").read_text(encoding="utf-8")
    assert sv.startswith(f"---\neffective: 2027-06-01\npublished: {AS_OF}\nchange_type: material\n"
                         'title: "Integritetspolicy"\nsummary: "PLACEHOLDER: ')
    latest = project / "policy_src/versions/2027-01-01"
    assert sv.split("\n---\n", 1)[1] == (latest / "sv.md").read_text("utf-8").split("\n---\n", 1)[1]
    assert (folder / "cookies.yml").read_bytes() == (latest / "cookies.yml").read_bytes()
    assert "2027-06-01" in [v.id for v in load_sources(project / "policy_src").versions]


def test_new_copies_the_latest_version_s_own_facts_like_its_texts(run, project: Path) -> None:
    own = project / f"policy_src/{UPCOMING}/facts.yml"
    own.write_text('controller:\n  name: "Exempel Integritet AB"\n', encoding="utf-8")
    assert run("new", "--effective", "2027-06-01").exit_code == 0
    copied = project / "policy_src/versions/2027-06-01/facts.yml"
    assert copied.read_bytes() == own.read_bytes()
    sources = load_sources(project / "policy_src")
    assert sources.facts.of("2027-06-01").text("controller.name", "sv") == "Exempel Integritet AB"


def test_new_refuses_a_date_that_is_not_after_every_version(run, project: Path) -> None:
    result = run("new", "--effective", "2027-01-01")
    assert result.exit_code == 2
    assert "must be after every existing version (the latest takes effect on 2027-01-01)" in result.output
    assert not (project / "policy_src/versions/2026-12-01").exists()


def test_new_leaves_a_summary_that_check_asks_to_write(run, project: Path) -> None:
    run("new", "--effective", "2027-06-01")
    result = run("check", "--no-build")
    assert result.exit_code == 1
    assert ("policy_src/versions/2027-06-01/sv.md:1: summary is still a placeholder: write what "
            "changed in this version") in result.output


def test_new_refuses_a_date_that_is_not_in_the_future(run, project: Path) -> None:
    (project / "policy_src/versions/2027-01-01").rename(project / "policy_src/later")
    result = run("new", "--effective", AS_OF)
    assert result.exit_code == 2
    assert f"must be after today ({AS_OF}): a change is announced before it takes effect" in result.output


def test_new_and_lock_keep_the_lock_file_current(run, project: Path, monkeypatch) -> None:
    lock_path = project / "policy_src/versions.lock"
    first_only = {"2018-05-25": json.loads(lock_path.read_text())["2018-05-25"]}
    lock_path.write_text(json.dumps(first_only))
    assert run("new", "--effective", "2027-06-01").exit_code == 0
    assert set(json.loads(lock_path.read_text())) == {"2018-05-25", "2026-11-01"}
    monkeypatch.setenv("POLICY_AS_OF", "2027-01-02")
    result = run("lock")
    assert result.exit_code == 0 and "locked 2027-01-01" in result.output
    assert set(json.loads(lock_path.read_text())) == {"2018-05-25", "2026-11-01", "2027-01-01"}


def test_lock_refuses_a_version_whose_summary_was_never_written(run, project: Path, monkeypatch) -> None:
    run("new", "--effective", "2027-06-01")
    monkeypatch.setenv("POLICY_AS_OF", "2027-06-01")
    result = run("lock")
    assert result.exit_code == 1
    assert "versions/2027-06-01/sv.md:1: summary is still a placeholder" in result.output
    assert "2027-06-01" not in json.loads((project / "policy_src/versions.lock").read_text())
