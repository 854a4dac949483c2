"""The ``policy-site`` command: editors start, check and compare versions (the auditors'
commands: test_audit_command.py, test_verify_receipt.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from policy_site import art13
from policy_site.sources import load_sources
from testbed.site import AS_OF, complete_project, mkdocs_build

UPCOMING = "versions/2027-01-01"


def run_process(project: Path, *args: str, env: dict[str, str] | None = None
                ) -> subprocess.CompletedProcess:
    """The installed console script, as editors run it (as of AS_OF unless ``env`` says)."""
    script = Path(sys.executable).with_name("policy-site")
    env = {**os.environ, "POLICY_AS_OF": AS_OF, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    return subprocess.run([str(script), *args], cwd=project, env=env, capture_output=True,
                          text=True, timeout=300)


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


# --- help ---------------------------------------------------------------------------------------

def test_every_command_explains_itself_and_its_exit_codes(project: Path) -> None:
    for command in ([], ["new"], ["check"], ["diff"], ["preview"], ["audit"], ["lock"], ["scan"]):
        result = run_process(project, *command, "--help")
        assert result.returncode == 0, result.stderr
        assert "Exit codes:" in result.stdout and "1  problems were found" in result.stdout


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

# --- diff ---------------------------------------------------------------------------------------

def test_diff_in_the_terminal_is_readable_without_colour(run) -> None:
    result = run("diff", "2026-11-01", "2027-01-01", "--lang", "en", "--no-color")
    assert result.exit_code == 0
    assert "It applies from 1 [-November 2026-]{+January 2027+}" in result.output
    assert "\x1b[" not in result.output


def test_diff_in_colour_uses_ansi_marks(run) -> None:
    result = run("diff", "2026-11-01", "2027-01-01", "--lang", "sv", "--color")
    assert "\x1b[" in result.output and "Sammanfattning av ändringarna" in result.output


def test_diff_as_html_is_a_document_with_marked_words(run) -> None:
    result = run("diff", "2018-05-25", "2026-11-01", "--format", "html", "--lang", "en")
    assert result.output.startswith('<!doctype html>\n<html lang="en">')
    assert '<del class="ps-del"><span class="ps-vh">Removed: </span>' in result.output


def test_diff_names_an_unknown_version(run) -> None:
    result = run("diff", "2018-05-25", "2030-01-01")
    assert result.exit_code == 2
    assert "no version 2030-01-01; versions: 2018-05-25, 2026-11-01, 2027-01-01" in result.output


# --- the project's mkdocs.yml, read as MkDocs reads it ----------------------------------------

def set_plugin_options(project: Path, options: str) -> None:
    """Replace the policy-site plugin's options in the project's mkdocs.yml."""
    path = project / "mkdocs.yml"
    text = path.read_text(encoding="utf-8")
    assert "  - policy-site:\n      sources: policy_src\n" in text
    path.write_text(text.replace("      sources: policy_src\n", options), encoding="utf-8")


def test_check_reads_a_mkdocs_yml_with_env_tags_as_mkdocs_does(project: Path) -> None:
    (project / "policy_src").rename(project / "texts")
    set_plugin_options(project, "      sources: !ENV [POLICY_SOURCES, policy_src]\n"
                                "      as_of: !ENV [POLICY_AS_OF, null]\n")
    result = run_process(project, "check", "--no-build",
                         env={"POLICY_SOURCES": "texts", "POLICY_AS_OF": "2027-01-02"})
    assert "Traceback" not in result.stderr
    assert ("texts/versions/2027-01-01/sv.md:1: in effect since 2027-01-01 but not in "
            "texts/versions.lock: run `policy-site lock`") in result.stderr


def test_the_as_of_option_in_mkdocs_yml_wins_over_the_environment(run, project: Path) -> None:
    set_plugin_options(project, "      sources: policy_src\n      as_of: 2027-01-02\n")
    result = run("check", "--no-build")
    assert "in effect since 2027-01-01 but not in" in result.output


def test_a_broken_option_in_mkdocs_yml_is_named_with_what_mkdocs_says(run, project: Path) -> None:
    set_plugin_options(project, "      sources: policy_src\n      as_of: tomorrow\n")
    result = run("check", "--no-build")
    assert result.exit_code == 1
    assert ("mkdocs.yml: Config value 'plugins': Plugin 'policy-site' option 'as_of': 'tomorrow' is "
            "not a date: write it as YYYY-MM-DD") in result.output


def test_an_impossible_date_read_into_mkdocs_yml_is_a_message_not_a_traceback(project: Path) -> None:
    set_plugin_options(project, "      sources: policy_src\n      as_of: !ENV [POLICY_AS_OF, null]\n")
    result = run_process(project, "check", "--no-build", env={"POLICY_AS_OF": "2026-02-30"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "mkdocs.yml: a value cannot be read (day is out of range for month)" in result.stderr


def test_a_mkdocs_yml_without_the_plugin_is_refused(run, project: Path) -> None:
    path = project / "mkdocs.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("  - policy-site:\n      sources: policy_src\n",
                                                             "  - search\n"), encoding="utf-8")
    result = run("check", "--no-build")
    assert result.exit_code == 1
    assert "mkdocs.yml: the policy-site plugin is not configured: add it under plugins" in result.output


def test_outside_a_project_the_editors_commands_say_where_to_run(tmp_path: Path) -> None:
    result = run_process(tmp_path, "check")
    assert result.returncode == 2
    assert "mkdocs.yml not found: run from the project folder or pass --project" in result.stderr


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
