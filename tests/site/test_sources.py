"""Editors get one clear ``file:line: message`` per problem, all problems in one run: the shipped
sources are valid, a version's folder and languages are checked, and what is published is hashed
as written. The texts, the inventories, policy.yml and values YAML cannot read have modules of
their own (test_sources_*.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from policy_core.hashing import sha256_hex
from policy_site.sources import load_sources, split_front_matter
from testbed.sources import NOW, OLD, line_of, problems, replace


def test_the_shipped_sources_are_valid(src: Path) -> None:
    sources = load_sources(src, display_base=src)
    assert [v.id for v in sources.versions] == ["2018-05-25", "2026-11-01", "2027-01-01"]


def test_published_hash_is_the_bytes_after_the_closing_front_matter_line(src: Path) -> None:
    path = src / OLD / "sv.md"
    raw = path.read_bytes()
    closing = raw.index(b"\n---\n", 3) + len(b"\n---\n")
    version = next(v for v in load_sources(src).versions if v.id == "2018-05-25")
    assert version.text("sv").sha256 == sha256_hex(raw[closing:])
    head, body, first_line = split_front_matter(raw)
    assert body == raw[closing:]
    assert raw.split(b"\n")[first_line - 1] == body.split(b"\n")[0]


def test_every_problem_is_reported_in_one_run(src: Path) -> None:
    replace(src / OLD / "sv.md", "summary:", "sumary:")
    (src / NOW / "en.md").unlink()
    replace(src / "versions/2027-01-01/cookies.yml", "required: true", "required: 1")
    found = "\n".join(problems(src))
    assert f"{OLD}/sv.md" in found
    assert f"{NOW}/sv.md:1: no 'en' translation" in found
    assert "versions/2027-01-01/cookies.yml" in found


def test_crlf_line_endings_are_refused(src: Path) -> None:
    path = src / OLD / "en.md"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert f"{OLD}/en.md:1: Windows (CRLF) line endings: save the file with LF endings" in problems(src)


# A version's folder and languages ---------------------------------------------------------------

def test_folder_name_must_match_effective(src: Path) -> None:
    shutil.move(src / OLD, src / "versions/2018-05-26")
    line = line_of(src / "versions/2018-05-26/sv.md", "effective:")
    assert any(p.startswith(f"versions/2018-05-26/sv.md:{line}: effective 2018-05-25 disagrees "
                            "with the folder name 2018-05-26") for p in problems(src))


def test_folder_that_is_not_a_date(src: Path) -> None:
    shutil.copytree(src / OLD, src / "versions/draft")
    assert "versions/draft: folder name must be the effective date, YYYY-MM-DD" in problems(src)


def test_version_missing_a_language(src: Path) -> None:
    (src / OLD / "en.md").unlink()
    assert f"{OLD}/sv.md:1: no 'en' translation: create en.md beside this file" in problems(src)
