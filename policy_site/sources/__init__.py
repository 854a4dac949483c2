"""Read and validate ``policy_src/``: every problem in one run, each as ``file:line: message``.

Legal editors work in Markdown and YAML, not Python: a mistake must name the file and line and
say what to do about it, and one run must report every problem so fixing them is not a loop of
builds. Nothing here writes anything, so a failed validation leaves a built site untouched.

Layout, and the module that holds each file kind's rules::

    policy_src/policy.yml                         document-wide facts          facts_file.py
    policy_src/versions/<YYYY-MM-DD>/sv.md        one text per language        version_file.py
    policy_src/versions/<YYYY-MM-DD>/en.md          (languages agree:          agreement.py)
    policy_src/versions/<YYYY-MM-DD>/cookies.yml  optional cookie inventory    inventory_file.py
    policy_src/versions/<YYYY-MM-DD>/facts.yml    optional facts of its own    facts_file.py

All of them read through :mod:`.reader` (text and :mod:`.yaml_lines`), and Markdown is read by
:mod:`.markdown`. Pure: no MkDocs import.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from policy_core.versions import PolicyVersion
from policy_site.facts import VERSION_FACTS_FILE, Facts
from policy_site.sources.facts_file import read_facts, read_version_facts
from policy_site.sources.problems import Problem, SourceError
from policy_site.sources.reader import Reader
from policy_site.sources.version_file import read_version, split_front_matter

__all__ = ["PolicySources", "Problem", "SourceError", "load_sources", "split_front_matter"]


@dataclass(frozen=True)
class PolicySources:
    """Everything in ``policy_src/``, validated: the facts and every version, oldest first."""

    facts: Facts
    """policy.yml's facts; ``facts.of(version.id)`` those a version renders."""
    versions: list[PolicyVersion]


def load_sources(root: Path, display_base: Path | None = None) -> PolicySources:
    """Load and validate everything under ``root`` or raise :class:`SourceError`.

    Paths in problems are shown relative to ``display_base`` (the working directory by default).
    """
    reader = Reader(display_base or Path.cwd())
    facts = read_facts(reader, root / "policy.yml")
    versions_dir = root / "versions"
    versions: list[PolicyVersion] = []
    by_version: dict[str, Facts] = {}
    if not versions_dir.is_dir():
        reader.problem(versions_dir, None, "no versions folder: create versions/<YYYY-MM-DD>/")
    else:
        for folder in sorted(p for p in versions_dir.iterdir() if p.is_dir()):
            own = read_version_facts(reader, folder / VERSION_FACTS_FILE, facts)
            version = read_version(reader, folder, own or facts)
            if version is not None:
                versions.append(version)
                if own is not None:
                    by_version[version.id] = own
    if reader.problems:
        raise SourceError(reader.problems)
    assert facts is not None
    return PolicySources(facts=replace(facts, by_version=by_version), versions=versions)
