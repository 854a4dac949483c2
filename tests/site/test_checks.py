"""The publishing rules the build and ``policy-site check`` share, on the product's own sources."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta

import pytest

from policy_core.versions import History, PolicyVersion, published_history
from policy_site.checks import (
    SUMMARY_PLACEHOLDER,
    art13_results,
    draft_placeholders,
    unfilled_facts,
    unfinished_summaries,
    unpublishable_facts,
)
from policy_site.sources import PolicySources, Problem, load_sources
from testbed.site import REPO


@pytest.fixture(scope="module")
def sources() -> PolicySources:
    return load_sources(REPO / "policy_src", display_base=REPO)


def version(sources: PolicySources, version_id: str) -> PolicyVersion:
    return next(v for v in sources.versions if v.id == version_id)


def test_a_version_is_on_the_site_from_its_published_day(sources: PolicySources) -> None:
    announced = version(sources, "2027-01-01")
    history, unpublished = published_history(sources.versions, announced.published)
    assert [v.id for v in history] == ["2018-05-25", "2026-11-01", "2027-01-01"]
    assert history.upcoming == [announced] and unpublished == []
    history, unpublished = published_history(sources.versions, announced.published - timedelta(days=1))
    assert [v.id for v in history] == ["2018-05-25", "2026-11-01"]
    assert history.upcoming == [] and unpublished == [announced]


def test_an_unwritten_summary_is_a_problem_in_each_text_that_has_one(sources: PolicySources) -> None:
    current = version(sources, "2026-11-01")
    draft = replace(current, texts={**current.texts,
                                    "en": replace(current.text("en"), summary=SUMMARY_PLACEHOLDER)})
    assert unfinished_summaries([current]) == []
    assert unfinished_summaries([current, draft]) == [
        Problem("policy_src/versions/2026-11-01/en.md", 1,
                "summary is still a placeholder: write what changed in this version")]


def test_placeholder_facts_are_problems_once_a_version_is_announced(sources: PolicySources) -> None:
    placeholders = sources.facts.placeholders()
    assert placeholders, "the shipped policy.yml still has placeholders"
    in_effect = [version(sources, "2018-05-25"), version(sources, "2026-11-01")]
    assert unfilled_facts(sources.facts, History(in_effect, date(2026, 11, 26))) == []
    history, _ = published_history(sources.versions, date(2026, 12, 1))
    problems = unfilled_facts(sources.facts, history)
    assert [(p.path, p.line) for p in problems] == [("policy_src/policy.yml", p.line) for p in placeholders]
    messages = {placeholder.key: problem.message for placeholder, problem in zip(placeholders, problems,
                                                                                 strict=True)}
    assert messages["transfers.hosting"].endswith("must be filled in before 2027-01-01 takes effect")
    assert messages["controller.name"].endswith(
        "must be filled in before 2027-01-01 takes effect; 2026-11-01, in effect, shows it as it is, "
        "so give the filled-in value in policy_src/versions/2027-01-01/facts.yml")


def without_fact(version: PolicyVersion, key: str) -> PolicyVersion:
    """``version`` with ``{{ key }}`` written out literally in every language."""
    reference = "{{ " + key + " }}"
    return replace(version, texts={lang: replace(text, body=text.body.replace(reference, "…"))
                                   for lang, text in version.texts.items()})


def test_a_placeholder_only_versions_in_effect_name_is_theirs_to_keep(sources: PolicySources) -> None:
    current = version(sources, "2026-11-01")
    upcoming = without_fact(version(sources, "2027-01-01"), "controller.phone")
    problems = unfilled_facts(sources.facts, History([current, upcoming], date(2026, 12, 1)))
    assert "controller.phone" not in " ".join(p.message for p in problems)
    assert "placeholder controller.name" in " ".join(p.message for p in problems)


def test_a_draft_is_marked_for_the_placeholders_of_what_it_shows_and_of_the_site(
    sources: PolicySources
) -> None:
    current, upcoming = version(sources, "2026-11-01"), version(sources, "2027-01-01")
    keys = [p.key for p in draft_placeholders(sources.facts, History([current, upcoming], date(2026, 12, 1)))]
    assert keys == [p.key for p in sources.facts.placeholders()]
    assert {"controller.name", "transfers.hosting", "site.url"} <= set(keys)

    later = without_fact(upcoming, "controller.phone")
    as_superseded = draft_placeholders(sources.facts, History([current, later], date(2027, 1, 2)))
    assert "controller.phone" not in [p.key for p in as_superseded], \
        "only the superseded 2026-11-01 names it: its text is history"
    assert "controller.name" in [p.key for p in as_superseded]

    unpublished = draft_placeholders(sources.facts, History([without_fact(current, "controller.phone")],
                                                            date(2026, 12, 1)), unpublished=[upcoming])
    assert "controller.phone" not in [p.key for p in unpublished], "named only by an unpublished version"
    assert "site.url" in [p.key for p in unpublished], "named by no version: the site's own"


def test_a_build_for_publishing_refuses_each_draft_placeholder_at_its_line(sources: PolicySources) -> None:
    history = History([version(sources, "2026-11-01")], date(2026, 12, 1))
    assert [str(p) for p in unpublishable_facts(sources.facts, history)] == [
        f"policy_src/policy.yml:{p.line}: {p.key} is still a placeholder ({p.value!r}): fill it in "
        "before publishing the site" for p in draft_placeholders(sources.facts, history)]


def test_missing_art13_items_are_problems_only_before_the_version_takes_effect(
    sources: PolicySources
) -> None:
    first = [version(sources, "2018-05-25")]
    in_effect = art13_results(sources.facts, History(first, date(2026, 11, 26)))
    upcoming = art13_results(sources.facts, History(first, date(2018, 5, 24)))
    for before, after in zip(upcoming, in_effect, strict=True):
        assert (before.text.lang, before.present, len(before.findings)) == (after.text.lang, 8, 18)
        assert after.problems == []
        assert len(before.problems) == 10
        assert all(p.path == before.text.path and p.line == before.text.body_line for p in before.problems)


def test_the_rules_and_the_commands_load_no_mkdocs() -> None:
    """MkDocs is loaded to read mkdocs.yml, not to judge a date or check a text."""
    code = ("import sys, policy_site.as_of, policy_site.checks, policy_site.errors, policy_site.cli, "
            "policy_site.lock, policy_site.publish; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mkdocs', 'material')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=REPO)
    assert result.stdout.strip() == "[]"
