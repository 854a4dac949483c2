"""Breaking a copy of the policy sources as an editor might, and reading what loading them
reports: one ``file:line: message`` per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_site.sources import SourceError, load_sources

OLD = "versions/2018-05-25"
NOW = "versions/2026-11-01"
UPCOMING = "versions/2027-01-01"
"""The superseded, the current and the upcoming version's folders, below ``policy_src/``."""


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def problems(src: Path, display_base: Path | None = None) -> list[str]:
    """Every problem loading ``src`` reports, as ``file:line: message`` with paths from
    ``display_base`` (``src`` itself unless given); loading must fail."""
    with pytest.raises(SourceError) as caught:
        load_sources(src, display_base=display_base or src)
    return [str(p) for p in caught.value.problems]
