"""A version's own facts: ``versions/<id>/facts.yml`` gives policy.yml's facts new values for
that version only. So a fact changes as a new version (the real company name enters with
2027-01-01), while every version in effect keeps showing what it showed."""

from __future__ import annotations

import hashlib
import json
import re
import textwrap
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from policy_core.languages import LANGUAGES
from policy_site.checks import draft_placeholders, unpublishable_facts
from policy_site.pages import SiteContent
from policy_site.sources import PolicySources, SourceError, load_sources
from testbed.site import AS_OF, REPO, mkdocs_build, tree_digest

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


def facts_yml(values: dict[str, str]) -> str:
    """``values`` (dotted key → text) as a facts file, grouped as an editor writes it."""
    lines, group = ["# What this version says differently from policy.yml."], None
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


def shown_texts(project: Path) -> dict[tuple[str, str], str]:
    """Every version's shown text per language, as the site renders it."""
    sources = load(project)
    shown = SiteContent(sources, date.max).shown_text
    return {(version.id, lang): shown(version, lang) for version in sources.versions for lang in LANGUAGES}


def policy_value(project: Path, key: str) -> str:
    return load(project).facts.text(key, "sv")


def fill_in_the_site_s_own_facts(project: Path) -> None:
    """``site.*``: no version names them, so they are filled in in policy.yml at any time."""
    path = project / FACTS
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("https://PLACEHOLDER.example/", "https://integritet.exempel.se/")
                    .replace("PLACEHOLDER.example,2018", "exempel.se,2018"), encoding="utf-8")


# --- what a version shows ---------------------------------------------------------------------------

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
    site = tmp_path / "site"
    assert mkdocs_build(project, site).returncode == 0
    before = tree_digest(site)
    give(project, "controller:\n  nmae: Exempel AB\n")
    result = mkdocs_build(project, site)
    assert result.returncode != 0
    assert f"{OWN_FACTS}:2: unknown fact 'controller.nmae' (did you mean 'controller.name'?)" in result.output
    assert "Traceback" not in result.output
    assert tree_digest(site) == before


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


# --- the built site -------------------------------------------------------------------------------

def test_the_built_next_version_shows_the_name_and_the_current_text_is_byte_identical(
    project: Path, tmp_path: Path, built_site: Path
) -> None:
    give(project, facts_yml(COMPANY))
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.output
    site, name = result.site, COMPANY["controller.name"]

    def page(path: str) -> str:
        return (site / path / "index.html").read_text(encoding="utf-8")

    for prefix in ("", "en/"):
        assert name in page(f"{prefix}versions/2027-01-01")
        assert name in page(f"{prefix}diff/2026-11-01..2027-01-01")
        assert name not in page(f"{prefix}versions/2026-11-01") and name not in page(prefix)
    manifest = {v["id"]: v for v in json.loads((site / "versions.json").read_bytes())["versions"]}
    for lang in LANGUAGES:
        current, upcoming = (f"versions/{v}/{lang}.shown.md" for v in ("2026-11-01", "2027-01-01"))
        assert (site / current).read_bytes() == (built_site / current).read_bytes()
        assert name in (site / upcoming).read_text(encoding="utf-8")
        assert manifest["2027-01-01"]["languages"][lang]["text_sha256"] == hashlib.sha256(
            (site / upcoming).read_bytes()).hexdigest()
    assert (site / "versions/2027-01-01/facts.yml").read_bytes() == (project / OWN_FACTS).read_bytes(), \
        "published beside the version's sources, byte for byte"
    assert not (site / "versions/2026-11-01/facts.yml").exists()


def test_the_draft_marks_and_the_build_to_publish_refuses_only_what_is_rendered_after_overrides(
    project: Path,
) -> None:
    give(project, facts_yml({**COMPANY, **TRANSFERS}))
    fill_in_the_site_s_own_facts(project)
    sources = load(project)
    content = SiteContent(sources, date.fromisoformat(AS_OF))
    assert content.draft_notice("sv")["missing"] == list(COMPANY), \
        "2026-11-01, current, shows policy.yml's controller placeholders; nothing else is shown"
    refused = unpublishable_facts(sources.facts, content.history, content.unpublished)
    assert [(p.path, p.line) for p in refused] == [
        (FACTS, sources.facts.line(key)) for key in COMPANY]

    later = SiteContent(sources, date(2027, 1, 2))
    assert later.draft_notice("sv") is None, "from 2027-01-01 only superseded versions show them"


def test_a_placeholder_in_a_version_s_facts_is_refused_at_its_line(project: Path) -> None:
    give(project, facts_yml({**COMPANY, "controller.name": "PLACEHOLDER: the name after the merger"}))
    sources = load(project)
    history = SiteContent(sources, date(2027, 1, 2)).history
    assert [(p.key, p.path, p.line) for p in draft_placeholders(sources.facts, history)
            if p.key.startswith("controller.")] == [("controller.name", OWN_FACTS, 3)]


def test_every_build_lists_the_placeholders_of_a_version_s_facts_too(project: Path, tmp_path: Path) -> None:
    give(project, facts_yml({"controller.name": "PLACEHOLDER: the name after the merger"}))
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.output
    assert (f"{OWN_FACTS}:3: controller.name = 'PLACEHOLDER: the name after the merger'"
            in result.output)
    assert re.search(rf"{FACTS}:\d+: controller\.name = 'PLACEHOLDER: registered company name",
                     result.output)


def test_from_its_effective_date_the_next_version_is_published_with_the_company_s_name(
    project: Path, tmp_path: Path
) -> None:
    give(project, facts_yml({**COMPANY, **TRANSFERS}))
    fill_in_the_site_s_own_facts(project)
    refused = mkdocs_build(project, tmp_path / "refused", extra_env={"POLICY_PUBLISH": "1"})
    assert refused.returncode != 0, "as of 2026-12-01 the current version shows placeholders"
    assert [re.search(r"policy\.yml:\d+: ([\w.]+) is still a placeholder", line).group(1)
            for line in refused.output.splitlines() if "is still a placeholder" in line] == list(COMPANY)

    result = mkdocs_build(project, tmp_path / "site", as_of="2027-01-02",
                          extra_env={"POLICY_PUBLISH": "1"})
    assert result.returncode == 0, result.output
    assert COMPANY["controller.name"] in (result.site / "index.html").read_text("utf-8")
    for prefix in ("", "en/"):
        feed = ET.parse(result.site / prefix / "feed.atom").getroot()
        assert feed.findtext(f"{ATOM}author/{ATOM}name") == COMPANY["controller.name"], \
            "the feed's author is the controller the current version names"
