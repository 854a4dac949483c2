"""The ``policy-site`` command: every command explains itself and its exit codes, and ``diff``
compares two versions in the terminal and as HTML. Editors' other commands: test_cli_new.py (new,
lock), test_cli_check.py, test_cli_mkdocs_yml.py (the project's configuration); the auditors':
test_audit_command.py, test_verify_receipt.py.
"""

from __future__ import annotations

from pathlib import Path

from testbed.site import run_process

# --- help ---------------------------------------------------------------------------------------

def test_every_command_explains_itself_and_its_exit_codes(project: Path) -> None:
    for command in ([], ["new"], ["check"], ["diff"], ["preview"], ["audit"], ["lock"], ["scan"]):
        result = run_process(project, *command, "--help")
        assert result.returncode == 0, result.stderr
        assert "Exit codes:" in result.stdout and "1  problems were found" in result.stdout


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
