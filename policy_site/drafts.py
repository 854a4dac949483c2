"""A new version starts as a copy of the latest one, so an editor changes only what changes.

Both languages' texts are copied with their front matter rewritten for the new dates, and the
cookie inventory and the version's own facts (``facts.yml``) as they are; each ``summary`` is
left as :data:`~policy_site.checks.SUMMARY_PLACEHOLDER`, which the build and ``policy-site
check`` refuse until it is written. Checking that the dates make sense is the caller's job: it
knows the as-of date and how to say what was wrong.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from policy_core.languages import LANGUAGES
from policy_core.versions import PolicyVersion
from policy_site.checks import SUMMARY_PLACEHOLDER
from policy_site.facts import VERSION_FACTS_FILE
from policy_site.sources import split_front_matter


def start_version(sources_dir: Path, latest: PolicyVersion | None, effective: date,
                  published: date, change_type: str) -> Path:
    """Create ``versions/<effective>/`` as a copy of ``latest``; the new folder."""
    folder = sources_dir / "versions" / effective.isoformat()
    folder.mkdir(parents=True)
    if latest is None:
        return folder
    for lang in LANGUAGES:
        text = latest.text(lang)
        split = split_front_matter(text.source)
        assert split is not None, "validated: every loaded text has front matter"
        front = _front_matter(effective, published, change_type, text.title)
        (folder / f"{lang}.md").write_bytes(front + split[1])
    for name in ("cookies.yml", VERSION_FACTS_FILE):
        copied = sources_dir / "versions" / latest.id / name
        if copied.is_file():
            (folder / name).write_bytes(copied.read_bytes())
    return folder


def _front_matter(effective: date, published: date, change_type: str, title: str) -> bytes:
    return (f"---\neffective: {effective}\npublished: {published}\nchange_type: {change_type}\n"
            f"title: {json.dumps(title, ensure_ascii=False)}\n"
            f"summary: \"{SUMMARY_PLACEHOLDER}\"\n---\n").encode()
