"""``policy-site check``: what a version in effect must keep, what an upcoming one must have
(aligned translations, every Art. 13 item, no placeholders), the build's own warnings, and one
set of rules with the build for versions published later; each error one message and one exit
code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policy_site import art13
from testbed.site import complete_project, mkdocs_build, run_process
from testbed.sources import UPCOMING


def remove_sections(path: Path, ids: set[str]) -> None:
    """Delete the sections with these heading ids, subsections included."""
    lines = path.read_text(encoding="utf-8").split("\n")
    kept, skip_level = [], None
    for line in lines:
        heading = re.match(r"^(#{1,6}) .*\{#([a-z0-9-]+)\}\s*$", line)
        if heading:
            level = len(heading.group(1))
            if skip_level is not None and level <= skip_level:
                skip_level = None
            if skip_level is None and heading.group(2) in ids:
                skip_level = level
        if skip_level is None:
            kept.append(line)
    path.write_text("\n".join(kept), encoding="utf-8")


# --- check --------------------------------------------------------------------------------------

def test_check_catches_an_edited_historical_version(run, project: Path) -> None:
    path = project / "policy_src/versions/2018-05-25/sv.md"
    path.write_text(path.read_text(encoding="utf-8").replace("åtandaden", "åtaganden"), encoding="utf-8")
    result = run("check", "--no-build")
    assert result.exit_code == 1
    assert re.search(r"policy_src/versions/2018-05-25/sv\.md:1: changed after the version took "
                     r"effect on 2018-05-25 \(locked sha256 6f8c26837ce5…, now [0-9a-f]{12}…\)",
                     result.output)


def test_check_catches_a_version_in_effect_that_is_not_locked(run, project: Path) -> None:
    (project / "policy_src/versions.lock").write_text("{}\n")
    result = run("check", "--no-build")
    assert "policy_src/versions/2026-11-01/sv.md:1: in effect since 2026-11-01 but not in" in result.output


def test_check_reports_misaligned_translations_by_file_and_line(run, project: Path) -> None:
    path = project / f"policy_src/{UPCOMING}/en.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{#objection}", "{#object}"), encoding="utf-8")
    line = next(n for n, content in enumerate(text.split("\n"), 1) if "{#objection}" in content)
    result = run("check", "--no-build")
    assert result.exit_code == 1
    assert (f"policy_src/{UPCOMING}/en.md:{line}: heading id 'object' differs from sv.md") in result.output


def test_check_reports_sections_in_another_order(run, project: Path) -> None:
    path = project / f"policy_src/{UPCOMING}/en.md"
    text = path.read_text(encoding="utf-8")
    swapped = text.replace("{#erasure}", "{#swap}").replace("{#restriction}", "{#erasure}") \
                  .replace("{#swap}", "{#restriction}")
    path.write_text(swapped, encoding="utf-8")
    line = next(n for n, content in enumerate(swapped.split("\n"), 1) if "{#restriction}" in content)
    result = run("check", "--no-build")
    assert (f"policy_src/{UPCOMING}/en.md:{line}: heading id 'restriction' differs from sv.md"
            in result.output)


@pytest.mark.parametrize("item", art13.load_checklist(), ids=lambda item: item.id)
def test_check_names_each_missing_art13_item_in_an_upcoming_version(
    run, project: Path, item: art13.Item
) -> None:
    for lang in ("sv", "en"):
        remove_sections(project / f"policy_src/{UPCOMING}/{lang}.md", set(item.sections))
    result = run("check", "--no-build")
    assert result.exit_code == 1
    for lang in ("sv", "en"):
        assert re.search(rf"policy_src/{UPCOMING}/{lang}\.md:\d+: Art\. {re.escape(item.article)} "
                         rf"missing: {re.escape(item.title[lang])}", result.output), result.output


def test_check_reports_art13_for_historical_versions_for_information_only(run, project: Path) -> None:
    result = run("check", "--no-build", "--verbose")
    assert "policy_src/versions/2018-05-25/sv.md: Art. 13: 8 of 18 items present (in effect: for " \
           "information)" in result.output
    assert "missing Art. 13(2)(d) Rätt att klaga hos Integritetsskyddsmyndigheten (IMY)" in result.output
    assert not re.search(r"versions/2018-05-25/sv\.md:\d+: Art\.", result.output)


def test_check_treats_placeholders_as_errors_before_an_upcoming_version(run, project: Path) -> None:
    result = run("check", "--no-build")
    assert re.search(r"policy_src/policy\.yml:\d+: placeholder controller\.name = 'PLACEHOLDER: .*' must "
                     r"be filled in before 2027-01-01 takes effect", result.output)


def test_check_passes_on_a_complete_project(project: Path) -> None:
    complete_project(project)
    result = run_process(project, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "check: all good" in result.stdout


def test_check_fails_on_what_mkdocs_strict_only_warns_about(project: Path) -> None:
    """A warning is what --strict turns into a failure: check must see it, not silence it."""
    complete_project(project)
    page = project / "docs" / "about.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n[Broken](no-such-page.md)\n", encoding="utf-8")
    result = run_process(project, "check")
    assert result.returncode == 1, result.stdout + result.stderr
    assert ("Doc file 'about.md' contains a link 'no-such-page.md', but the target is not found"
            in result.stderr)
    assert "INFO" not in result.stderr
    assert "check: 1 problem(s)" in result.stderr


def test_check_stops_at_source_errors_with_file_and_line(project: Path) -> None:
    path = project / f"policy_src/{UPCOMING}/sv.md"
    path.write_text(path.read_text(encoding="utf-8").replace("published:", "publsihed:"), encoding="utf-8")
    result = run_process(project, "check")
    assert result.returncode == 1
    assert f"policy_src/{UPCOMING}/sv.md:3: unknown front matter key 'publsihed'" in result.stderr


def test_check_reports_an_impossible_date_by_file_and_line_not_a_traceback(project: Path) -> None:
    for name, old, new in [("sv.md", "effective: 2027-01-01", "effective: 2027-02-30"),
                           ("cookies.yml", "required: true", "required: !yes true")]:
        path = project / f"policy_src/{UPCOMING}/{name}"
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    result = run_process(project, "check")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"policy_src/{UPCOMING}/cookies.yml:5: 'true' has the tag '!yes', which is not allowed here: "
        "remove the tag (and put the value in quotes if it is text)",
        f"policy_src/{UPCOMING}/sv.md:2: '2027-02-30' is not a real date (day is out of range for "
        "month): write a date that exists, as YYYY-MM-DD",
    ]


# --- one set of rules for check and build -------------------------------------------------------

def start_a_version_published_later(project: Path) -> None:
    """2027-06-01, made public on 2027-05-01, its summary not yet written."""
    result = run_process(project, "new", "--effective", "2027-06-01", "--published", "2027-05-01")
    assert result.returncode == 0, result.stderr


def test_a_version_published_in_the_future_is_left_out_by_check_as_by_the_build(
    project: Path, tmp_path: Path
) -> None:
    complete_project(project)
    start_a_version_published_later(project)
    built = mkdocs_build(project, tmp_path / "site")
    assert built.returncode == 0, built.output
    assert not (built.site / "versions/2027-06-01").exists()
    result = run_process(project, "check")
    assert result.returncode == 0, result.stderr
    assert ("version 2027-06-01 is left out until it is published on 2027-05-01: check it as of then "
            "with POLICY_AS_OF=2027-05-01") in result.stdout
    assert "versions/2027-06-01/sv.md: Art. 13" not in result.stdout


def test_once_published_the_unfinished_version_is_refused_by_check_as_by_the_build(
    project: Path, tmp_path: Path
) -> None:
    complete_project(project)
    start_a_version_published_later(project)
    built = mkdocs_build(project, tmp_path / "site", as_of="2027-05-01")
    assert built.returncode != 0
    refusal = "policy_src/versions/2027-06-01/sv.md:1: summary is still a placeholder"
    assert refusal in built.output
    result = run_process(project, "check", "--no-build", env={"POLICY_AS_OF": "2027-05-01"})
    assert result.returncode == 1
    assert refusal in result.stderr


def test_before_an_upcoming_version_is_published_its_placeholders_do_not_fail_check(project: Path) -> None:
    """On 2026-11-15 the site does not show 2027-01-01 (published 2026-12-01), so neither does check."""
    result = run_process(project, "check", env={"POLICY_AS_OF": "2026-11-15"})
    assert result.returncode == 0, result.stderr
    assert "version 2027-01-01 is left out until it is published on 2026-12-01" in result.stdout


# --- errors: one message and one exit code each -------------------------------------------------

def test_an_unreadable_lock_file_is_named_with_its_line(run, project: Path) -> None:
    (project / "policy_src/versions.lock").write_text("{\n  \"2018-05-25\": \n", encoding="utf-8")
    result = run("check", "--no-build")
    assert result.exit_code == 1
    assert re.search(r"policy_src/versions\.lock:\d+: not valid JSON .*restore it from version control",
                     result.output)


@pytest.mark.parametrize("as_of", ["2026-02-30", "20261126", "next monday"])
def test_a_wrong_policy_as_of_is_misuse_with_a_clear_message(project: Path, as_of: str) -> None:
    result = run_process(project, "check", "--no-build", env={"POLICY_AS_OF": as_of})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"POLICY_AS_OF={as_of!r} is not a date: write it as YYYY-MM-DD" in result.stderr
