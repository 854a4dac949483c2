"""The editors' commands read the project's mkdocs.yml as MkDocs reads it: ``!ENV`` tags, the
plugin's options winning over the environment, MkDocs' own message for a broken option, and a
clear refusal without the plugin or outside a project.
"""

from __future__ import annotations

from pathlib import Path

from testbed.site import run_process

# --- the project's mkdocs.yml, read as MkDocs reads it ------------------------------------------

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
