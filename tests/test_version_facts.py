"""A version's own facts: ``versions/<id>/facts.yml`` gives policy.yml's facts new values for
that version only. So a fact changes as a new version (the real company name enters with
2027-01-01), while every version in effect keeps showing what it showed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from site_testing import mkdocs_build, tree_digest

from policy_site.sources import PolicySources, SourceError, load_sources

FACTS = "policy_src/policy.yml"
LOCK = "policy_src/versions.lock"
CURRENT = "policy_src/versions/2026-11-01"
UPCOMING = "policy_src/versions/2027-01-01"
OWN_FACTS = f"{UPCOMING}/facts.yml"

COMPANY = {
    "controller.name": "Exempel Integritet AB",
    "controller.org_number": "556677-8899",
    "controller.address": "Storgatan 1, 111 22 Stockholm",
    "controller.email": "integritet@exempel.se",
    "controller.phone": "+46 8 123 45 67",
}
TRANSFERS = {
    f"transfers.{kind}": f"{supplier}; the data is processed in Sweden and not transferred to a "
                         "third country."
    for kind, supplier in [("hosting", "Drift AB"), ("messaging", "Utskick AB"),
                           ("support_system", "Stöd AB"), ("accounting", "Bokföring AB"),
                           ("consultants", "Konsult AB")]
}
ATOM = "{http://www.w3.org/2005/Atom}"


def facts_yml(values: dict[str, str], comment: str = "What 2027-01-01 says differently.") -> str:
    """``values`` (dotted key → text) as a facts file, grouped as an editor writes it."""
    lines, group = [f"# {comment}"], None
    for key, value in values.items():
        parent, name = key.split(".")
        if parent != group:
            lines.append(f"{parent}:")
            group = parent
        lines.append(f"  {name}: {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def give(project: Path, text: str, path: str = OWN_FACTS) -> Path:
    target = project / path
    target.write_text(text, encoding="utf-8")
    return target


def load(project: Path) -> PolicySources:
    return load_sources(project / "policy_src", display_base=project)


def problems(project: Path) -> list[str]:
    with pytest.raises(SourceError) as caught:
        load(project)
    return [str(problem) for problem in caught.value.problems]


# --- what a version's facts.yml may say -----------------------------------------------------------

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
    site = tmp_path / "site"
    assert mkdocs_build(project, site).returncode == 0
    before = tree_digest(site)
    give(project, "controller:\n  nmae: Exempel AB\n")
    result = mkdocs_build(project, site)
    assert result.returncode != 0
    assert f"{OWN_FACTS}:2: unknown fact 'controller.nmae' (did you mean 'controller.name'?)" in result.output
    assert "Traceback" not in result.output
    assert tree_digest(site) == before




def test_a_placeholder_in_one_language_is_a_placeholder_of_the_fact_at_that_language_s_line(
    project: Path
) -> None:
    give(project, 'controller:\n  name:\n    sv: "Exempel Integritet AB"\n'
                  '    en: "PLACEHOLDER: English name"\n')
    facts = load(project).facts.of("2027-01-01")
    assert [(p.key, p.path, p.line) for p in facts.placeholders() if p.path == OWN_FACTS] == [
        ("controller.name", OWN_FACTS, 4)]
