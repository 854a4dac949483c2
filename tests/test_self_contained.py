"""The repository stands on its own: a fresh clone builds and tests with nothing beside it.

A clone has no sibling folders and no machine-specific paths, so no file of the repository may
read a folder next to it (a ``shared`` folder in particular) or a path of the machine it was
written on. What the tests compare against lives in the ``fixtures/`` folders under ``tests/``.
"""

from __future__ import annotations

import re
import subprocess

from testbed.site import REPO, SEED

OUTSIDE_THE_REPOSITORY = re.compile(
    r"""\.\.[/\\]+shared"""          # a relative path up into a sibling folder named shared
    r"""|/work[/]"""                 # an absolute path of the machine the code was written on
    r"""|/\s*["']shared["']"""       # pathlib joining that folder's name onto a parent path
)
"""Written so that this file does not match it: the scan covers this file too."""


def repository_files() -> list[str]:
    """Every file a commit would contain: tracked ones and new ones not ignored."""
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, check=True,
    )
    return [name for name in listing.stdout.decode().split("\0") if name]


def test_no_file_refers_to_a_folder_outside_the_repository() -> None:
    files = repository_files()
    assert "testbed/site.py" in files, "the listing covers the repository"
    found = []
    for name in files:
        path = REPO / name
        if not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        for number, line in enumerate(data.decode("utf-8", "replace").split("\n"), start=1):
            if OUTSIDE_THE_REPOSITORY.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == []


def test_the_seed_text_is_kept_in_the_repository() -> None:
    assert SEED.is_relative_to(REPO)
    assert SEED.read_text(encoding="utf-8").startswith("Integritetspolicy")
