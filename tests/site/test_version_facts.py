"""A version's own facts: ``versions/<id>/facts.yml`` gives policy.yml's facts new values for
that version only. So a fact changes as a new version (the real company name enters with
2027-01-01), while every version in effect keeps showing what it showed."""

from __future__ import annotations

import re
import textwrap
from datetime import date
from pathlib import Path

import pytest

from policy_core.languages import LANGUAGES
from policy_site.pages import SiteContent
from testbed.facts import COMPANY, OWN_FACTS, facts_yml, give, load
from testbed.site import REPO, kept_site, mkdocs_build
from testbed.sources import problems as source_problems


def problems(project: Path) -> list[str]:
    """What loading the project's sources reports, with paths from the project's root."""
    return source_problems(project / "policy_src", display_base=project)


def shown_texts(project: Path) -> dict[tuple[str, str], str]:
    """Every version's shown text per language, as the site renders it."""
    sources = load(project)
    shown = SiteContent(sources, date.max).shown_text
    return {(version.id, lang): shown(version, lang) for version in sources.versions for lang in LANGUAGES}


def policy_value(project: Path, key: str) -> str:
    return load(project).facts.text(key, "sv")


# --- what a version shows -------------------------------------------------------------------------

def test_a_version_s_facts_change_its_shown_text_and_no_other(project: Path) -> None:
    before = shown_texts(project)
    old = {key: policy_value(project, key) for key in COMPANY}
    give(project, facts_yml(COMPANY))

    after = shown_texts(project)

    for (version_id, lang), text in after.items():
        if version_id != "2027-01-01":
            assert text == before[version_id, lang], f"{version_id} ({lang}) shows what it showed"
            continue
        expected = before[version_id, lang]
        for key, value in COMPANY.items():
            assert old[key] in expected, key
            expected = expected.replace(old[key], value)
        assert text == expected, "only the values the version gives are different"
        assert COMPANY["controller.name"] in text


def test_a_version_s_fact_may_be_given_per_language(project: Path) -> None:
    give(project, "controller:\n  name:\n    sv: Exempel Integritet AB\n    en: Example Privacy Ltd\n")
    after = shown_texts(project)
    assert "Exempel Integritet AB" in after["2027-01-01", "sv"]
    assert "Example Privacy Ltd" in after["2027-01-01", "en"]
    assert "Example Privacy Ltd" not in after["2027-01-01", "sv"]


def test_a_placeholder_in_one_language_is_a_placeholder_of_the_fact_at_that_language_s_line(
    project: Path
) -> None:
    give(project, 'controller:\n  name:\n    sv: "Exempel Integritet AB"\n'
                  '    en: "PLACEHOLDER: English name"\n')
    facts = load(project).facts.of("2027-01-01")
    assert [(p.key, p.path, p.line) for p in facts.placeholders() if p.path == OWN_FACTS] == [
        ("controller.name", OWN_FACTS, 4)]


def test_the_readme_s_example_is_a_valid_facts_file(project: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(\s*# policy_src/versions/2027-01-01/facts\.yml\n.*?)```", readme,
                        re.DOTALL).group(1)
    give(project, textwrap.dedent(example))
    facts = load(project).facts.of("2027-01-01")
    assert facts.text("controller.name", "sv") == "Exempel AB"
    assert facts.text("controller.address", "en") != facts.text("controller.address", "sv")


@pytest.mark.parametrize(("written", "expected"), [
    ("controller:\n  nmae: Exempel AB\n",
     "2: unknown fact 'controller.nmae' (did you mean 'controller.name'?); allowed: controller.name, "
     "controller.org_number, controller.address, controller.email, controller.phone: a version's "
     "facts.yml gives new values to the facts policy_src/policy.yml has"),
    ("controler:\n  name: Exempel AB\n", "1: unknown fact 'controler' (did you mean 'controller'?)"),
    ("site:\n  url: https://integritet.exempel.se/\n",
     "1: 'site' facts are the whole site's (its address, its feed ids), the same for every "
     "version: change them in policy_src/policy.yml, not in a version's facts.yml"),
    ("dpo: none\n", "1: 'dpo' groups the facts appointed, statement: give the new value of each "
                    "one under it (dpo: {appointed: ...})"),
    ("controller:\n  name:\n    legal: Exempel AB\n",
     "2: 'controller.name' is one fact: give its value as text, or as {sv: ..., en: ...}"),
    ("controller:\n  name: [Exempel AB]\n", "2: 'controller.name' is one fact"),
    ("controller:\n  name: {sv: Exempel AB}\n",
     "2: 'controller.name' has no en text: give it in every language (sv, en)"),
    ("controller:\n  name:\n", "2: 'controller.name' has no value: write the value this version "
                               "gives it, or remove the line to keep policy_src/policy.yml's"),
    ("dpo:\n  appointed: sometimes\n", "2: dpo.appointed must be true or false"),
    ("dpo:\n  appointed: true\n",
     "1: missing key 'dpo.name' (a DPO is appointed) in policy_src/policy.yml (a version's "
     "facts.yml gives new values to the facts policy.yml has, it adds none)"),
    ("- controller\n", "1: expected a mapping of keys"),
    ("# nothing yet\n", "1: empty: expected facts that differ from policy_src/policy.yml"),
    ("controller:\n  name: !company Exempel AB\n", "2: 'Exempel AB' has the tag '!company'"),
], ids=["unknown key", "unknown group", "site-wide", "group given one value", "fact given keys",
        "fact given a list", "one language", "no value", "appointed not a bool",
        "appointed without name", "not a mapping", "empty", "unreadable value"])
def test_a_mistake_in_a_version_s_facts_is_named_at_its_line(project: Path, written: str,
                                                             expected: str) -> None:
    give(project, written)
    found = problems(project)
    assert any(problem.startswith(f"{OWN_FACTS}:{expected}") for problem in found), found


def test_every_mistake_of_a_version_s_facts_is_named_in_one_run_in_line_order(project: Path) -> None:
    give(project, "controller:\n  name: {sv: Exempel AB}\n  nmae: x\nsite:\n  url: x\n")
    assert [problem.split(": ", 1)[0] for problem in problems(project)] == [
        f"{OWN_FACTS}:2", f"{OWN_FACTS}:3", f"{OWN_FACTS}:4"]


def test_a_broken_facts_file_builds_nothing_and_keeps_the_last_site(project: Path, tmp_path: Path) -> None:
    with kept_site(project, tmp_path / "site") as site:
        give(project, "controller:\n  nmae: Exempel AB\n")
        result = mkdocs_build(project, site)
    assert result.returncode != 0
    assert f"{OWN_FACTS}:2: unknown fact 'controller.nmae' (did you mean 'controller.name'?)" in result.output
    assert "Traceback" not in result.output
