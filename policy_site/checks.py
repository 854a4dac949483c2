"""The rules deciding whether the sources may be published, shared by the build and the commands.

The build refuses what must never be published (a summary still a placeholder) and marks, or
for publishing refuses, a site that still shows placeholder facts; ``policy-site check``
applies the first rule too and adds those an editor wants met before a version takes effect
(every GDPR Art. 13 item present, no fact left a placeholder); ``policy-site lock`` refuses to
lock an unfinished version. Each rule is written here once and returns problems: the caller
decides whether they stop a build, fail a check or are only shown.

Pure: no MkDocs or click import.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from policy_core.languages import LANGUAGES
from policy_core.versions import History, PolicyVersion, VersionText
from policy_site import art13
from policy_site.facts import (
    COOKIE_TABLE_KEY,
    PLACEHOLDER_PREFIX,
    Facts,
    Placeholder,
    fact_keys,
    facts_file_of,
    in_file_order,
    substitute,
)
from policy_site.sources import Problem

SUMMARY_PLACEHOLDER = f"{PLACEHOLDER_PREFIX}: describe what changed in this version"
"""What ``policy-site new`` writes as each language's summary, for the editor to replace."""


def unfinished_summaries(versions: Iterable[PolicyVersion]) -> list[Problem]:
    """Every text whose summary is still a placeholder: it may be previewed, never published
    or locked."""
    return [Problem(version.text(lang).path, 1, "summary is still a placeholder: write what "
                    "changed in this version")
            for version in versions for lang in LANGUAGES
            if PLACEHOLDER_PREFIX in version.text(lang).summary]


def unfilled_facts(facts: Facts, history: History[PolicyVersion]) -> list[Problem]:
    """Facts still marked PLACEHOLDER that an announced version would render (from policy.yml or
    its own facts.yml), or the site itself uses (those no version names, such as ``site.url``).

    While nothing is upcoming they are only listed (the build does so), and so are those only
    versions in effect render: those texts already say what they say. A placeholder of
    policy.yml a version in effect renders stays as it is (the lock holds it), so when an
    upcoming version renders it too, the message says to give the filled-in value in that
    version's facts.yml.
    """
    upcoming = history.upcoming
    if not upcoming:
        return []
    in_effect = [version for version in history if history.has_taken_effect(version)]
    found: dict[tuple[str, int], tuple[Placeholder, list[PolicyVersion]]] = {}
    for version in upcoming:
        for placeholder in facts.of(version.id).placeholders():
            if _names(version, placeholder.key):
                found.setdefault((placeholder.path, placeholder.line), (placeholder, []))[1].append(version)
    for placeholder in _site_placeholders(facts, history):
        found.setdefault((placeholder.path, placeholder.line), (placeholder, upcoming))
    problems = []
    for placeholder in in_file_order(facts.path, (p for p, _ in found.values())):
        renderers = found[placeholder.path, placeholder.line][1]
        names = ", ".join(version.id for version in renderers)
        message = (f"placeholder {placeholder.key} = {placeholder.value!r} must be filled in before "
                   f"{names} takes effect")
        shown_by = [version.id for version in in_effect if _renders(facts, version, placeholder)]
        if shown_by:
            files = " and ".join(facts_file_of(version) for version in renderers)
            message += (f"; {', '.join(shown_by)}, in effect, shows it as it is, so give the "
                        f"filled-in value in {files}")
        problems.append(Problem(placeholder.path, placeholder.line, message))
    return problems


def draft_placeholders(facts: Facts, history: History[PolicyVersion],
                       unpublished: Iterable[PolicyVersion] = ()) -> list[Placeholder]:
    """The placeholders a build of ``history`` puts before visitors, in file order.

    Those a version shown as current or upcoming renders, each where it is written (policy.yml
    or the version's facts.yml), and those no version names (the site's own, such as
    ``site.url``). Not those only superseded versions render: their texts are history and show
    what they showed; nor those only versions not yet published name.
    """
    shown = [v for v in history if history.status(v) != "superseded"]
    found = {(p.path, p.line): p for version in shown for p in facts.of(version.id).placeholders()
             if _names(version, p.key)}
    found.update({(p.path, p.line): p for p in _site_placeholders(facts, [*history, *unpublished])})
    return in_file_order(facts.path, found.values())


def unpublishable_facts(facts: Facts, history: History[PolicyVersion],
                        unpublished: Iterable[PolicyVersion] = ()) -> list[Problem]:
    """The draft placeholders as problems, for a build to publish, which refuses them."""
    return [Problem(placeholder.path, placeholder.line, f"{placeholder.key} is still a placeholder "
                    f"({placeholder.value!r}): fill it in before publishing the site")
            for placeholder in draft_placeholders(facts, history, unpublished)]


def _site_placeholders(facts: Facts, versions: Iterable[PolicyVersion]) -> list[Placeholder]:
    """The placeholders of policy.yml no version names: the site's own (``site.url``)."""
    versions = list(versions)
    return [placeholder for placeholder in facts.placeholders()
            if not any(_names(version, placeholder.key) for version in versions)]


def _renders(facts: Facts, version: PolicyVersion, placeholder: Placeholder) -> bool:
    """Whether ``version`` shows ``placeholder``: it names the fact and takes its value from the
    file the placeholder is written in."""
    return (_names(version, placeholder.key)
            and facts.of(version.id).where(placeholder.key)[0] == placeholder.path)


def _names(version: PolicyVersion, key: str) -> bool:
    """Whether any language of ``version`` refers to the fact ``key``."""
    return any(key in fact_keys(version.text(lang).body) for lang in LANGUAGES)


@dataclass(frozen=True)
class Art13Result:
    """The Art. 13 checklist against one language of one version."""

    text: VersionText
    upcoming: bool
    """Not yet in effect: a missing item can still be added, so it is a problem."""
    findings: list[art13.Finding]

    @property
    def present(self) -> int:
        return sum(finding.present for finding in self.findings)

    @property
    def problems(self) -> list[Problem]:
        """The missing items, when they can still be added; texts in effect are what they are."""
        if not self.upcoming:
            return []
        lang = self.text.lang
        return [Problem(self.text.path, self.text.body_line,
                        f"Art. {f.item.article} missing: {f.item.title[lang]} (expected in a section "
                        f"{' or '.join('{#' + s + '}' for s in f.item.sections)})")
                for f in self.findings if not f.present]


def art13_results(facts: Facts, history: History[PolicyVersion],
                  checklist: list[art13.Item] | None = None) -> list[Art13Result]:
    """Each text of each version in ``history`` against the checklist, in history order."""
    items = art13.load_checklist() if checklist is None else checklist
    return [Art13Result(version.text(lang), history.status(version) == "upcoming",
                        art13.evaluate(_checkable_text(facts.of(version.id), version, lang),
                                       version.text(lang).body_line, lang, items))
            for version in history for lang in LANGUAGES]


def _checkable_text(facts: Facts, version: PolicyVersion, lang: str) -> str:
    """The text with facts filled in on their own lines, so line numbers stay the source's."""

    def resolve(key: str) -> str:
        if key == COOKIE_TABLE_KEY:
            return ""
        return " ".join((facts.text(key, lang) or "").split())

    return substitute(version.text(lang).body, resolve)
