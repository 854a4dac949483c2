"""Everything ``policy-site check`` judges about the sources, gathered once, so that ``publish``
refuses exactly what ``check`` reports.

The rules themselves live in :mod:`policy_site.checks` and :mod:`policy_site.lock`; this module
only applies them to a project as of its date. One difference between the two callers is a
decision, not an accident: a version that has taken effect but is not in ``versions.lock`` yet
fails ``check`` (lock it and commit the lock), while ``publish`` only reports it, because the
daily publish on the morning a version takes effect must not wait for an editor: there is no
locked entry it could differ from.

Pure: no MkDocs or click import (the project reads ``mkdocs.yml`` lazily, through MkDocs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from policy_core.manifest import ShownText
from policy_core.versions import History, PolicyVersion, published_history
from policy_site import checks, lock
from policy_site.pages import SiteContent
from policy_site.project import Project
from policy_site.sources import PolicySources, Problem


@dataclass(frozen=True)
class Review:
    """What the sources look like as of the project's date."""

    history: History[PolicyVersion]
    unpublished: list[PolicyVersion]
    """Versions left out because their ``published`` day is still ahead."""
    art13: list[checks.Art13Result]
    changed: list[Problem]
    """Versions in effect whose files differ from what ``versions.lock`` recorded."""
    unlocked: list[Problem]
    """Versions in effect that ``versions.lock`` does not hold yet."""
    unfinished: list[Problem]
    """Art. 13 items, facts and summaries still missing where they must not be."""

    @property
    def blocking(self) -> list[Problem]:
        """What must be fixed before the site may be published."""
        return [*self.changed, *self.unfinished]

    @property
    def problems(self) -> list[Problem]:
        """Everything ``check`` fails on, in the order it reports them."""
        return [*self.changed, *self.unlocked, *self.unfinished]


def shown_text(sources: PolicySources) -> ShownText:
    """The text a visitor of a version's page is shown, exactly as the site renders it."""
    return SiteContent(sources, date.max).shown_text


def review(project: Project, sources: PolicySources) -> Review:
    """Apply every publishing rule to ``sources`` as of ``project.as_of``."""
    as_of = project.as_of
    root = project.sources_dir
    history, unpublished = published_history(sources.versions, as_of)
    current_lock = lock.read_lock(root / lock.LOCK_FILE)
    art13 = checks.art13_results(sources.facts, history)
    return Review(
        history=history,
        unpublished=list(unpublished),
        art13=art13,
        changed=lock.changed_since_locked(root, current_lock, sources, as_of, shown_text(sources),
                                          project.show),
        unlocked=lock.unlocked(root, current_lock, sources.versions, as_of, project.show),
        unfinished=[
            *(problem for result in art13 for problem in result.problems),
            *checks.unfilled_facts(sources.facts, history),
            *checks.unfinished_summaries(history),
        ],
    )
