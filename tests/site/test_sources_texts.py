"""The policy texts, checked at their line: the front matter (present, closed, valid YAML, known
keys, real dates in order) and the Markdown below it (not empty, heading ids present, unique and
the same in every language, known facts, no relative links).
"""

from __future__ import annotations

from pathlib import Path

from policy_site.sources import split_front_matter
from testbed.sources import NOW, OLD, line_of, problems, replace

# Front matter -----------------------------------------------------------------------------------

def test_unparsable_front_matter_names_its_line(src: Path) -> None:
    path = src / OLD / "en.md"
    replace(path, "change_type:", "change_type: [unclosed\nchange_type_x:")
    found = problems(src)
    assert any(p.startswith(f"{OLD}/en.md:") and "not valid YAML" in p for p in found), found


def test_missing_front_matter(src: Path) -> None:
    path = src / OLD / "en.md"
    path.write_text("# Privacy policy {#privacy-policy}\n\nText.\n", encoding="utf-8")
    assert f"{OLD}/en.md:1: missing front matter" in "\n".join(problems(src))


def test_unclosed_front_matter(src: Path) -> None:
    path = src / OLD / "en.md"
    path.write_text("---\neffective: 2018-05-25\n\n# Title {#privacy-policy}\n", encoding="utf-8")
    assert f"{OLD}/en.md:1: front matter is not closed" in "\n".join(problems(src))


def test_empty_front_matter_is_reported_not_dropped(src: Path) -> None:
    path = src / OLD / "sv.md"
    body = path.read_bytes().split(b"\n---\n", 1)[1]
    path.write_bytes(b"---\n---\n" + body)
    expected = f"{OLD}/sv.md:2: empty: expected effective, published, change_type, title, summary"
    assert expected in problems(src)


def test_invalid_date(src: Path) -> None:
    path = src / NOW / "sv.md"
    line = line_of(path, "published:")
    replace(path, "published: 2026-", "published: 2026-13-")
    assert any(p.startswith(f"{NOW}/sv.md:{line}: published:") and "YYYY-MM-DD" in p
               for p in problems(src))


def test_published_after_effective(src: Path) -> None:
    path = src / NOW / "en.md"
    text = path.read_text(encoding="utf-8")
    published = next(line for line in text.split("\n") if line.startswith("published:"))
    replace(path, published, "published: 2026-12-24")
    line = line_of(path, "published:")
    assert any(p.startswith(f"{NOW}/en.md:{line}: published 2026-12-24 is after effective")
               for p in problems(src))


def test_unknown_front_matter_key_suggests_the_right_one(src: Path) -> None:
    path = src / OLD / "sv.md"
    replace(path, "summary:", "sumary:")
    line = line_of(path, "sumary:")
    found = "\n".join(problems(src))
    assert f"{OLD}/sv.md:{line}: unknown front matter key 'sumary' (did you mean 'summary'?)" in found
    assert f"{OLD}/sv.md:1: front matter is missing 'summary'" in found


# The text ---------------------------------------------------------------------------------------

def test_empty_body(src: Path) -> None:
    path = src / OLD / "en.md"
    head, _, first_line = split_front_matter(path.read_bytes())
    path.write_bytes(b"---\n" + head + b"\n---\n\n")
    found = problems(src)
    assert f"{OLD}/en.md:{first_line}: the text is empty: write the policy below the front matter" in found


def test_duplicate_heading_id(src: Path) -> None:
    path = src / NOW / "sv.md"
    text = path.read_text(encoding="utf-8")
    ids = [line for line in text.split("\n") if line.startswith("## ")]
    first_id = ids[0].rsplit("{#", 1)[1].rstrip("}")
    second_id = ids[1].rsplit("{#", 1)[1].rstrip("}")
    replace(path, "{#" + second_id + "}", "{#" + first_id + "}")
    line = line_of(path, ids[1].rsplit("{#", 1)[0])
    first = line_of(path, ids[0])
    assert any(p.startswith(f"{NOW}/sv.md:{line}: duplicate heading id '{first_id}' (first used on "
                            f"line {first})") for p in problems(src))


def test_heading_without_id(src: Path) -> None:
    path = src / OLD / "sv.md"
    text = path.read_text(encoding="utf-8")
    heading = next(line for line in text.split("\n") if line.startswith("## "))
    replace(path, heading, heading.rsplit(" {#", 1)[0])
    line = line_of(path, heading.rsplit(" {#", 1)[0])
    assert any(p.startswith(f"{OLD}/sv.md:{line}: heading") and "has no id" in p
               for p in problems(src))


def test_heading_ids_must_agree_between_languages(src: Path) -> None:
    path = src / NOW / "en.md"
    text = path.read_text(encoding="utf-8")
    heading = [line for line in text.split("\n") if line.startswith("## ")][2]
    old_id = heading.rsplit("{#", 1)[1].rstrip("}")
    replace(path, "{#" + old_id + "}", "{#renamed-section}")
    line = line_of(path, "{#renamed-section}")
    assert any(p.startswith(f"{NOW}/en.md:{line}: heading id 'renamed-section' differs from sv.md")
               for p in problems(src))


def test_unknown_fact_reference(src: Path) -> None:
    path = src / NOW / "en.md"
    text = path.read_text(encoding="utf-8")
    paragraph_line = next(line for line in text.split("\n")[10:]
                          if line and not line.startswith(("#", "|", "-")))
    replace(path, paragraph_line, paragraph_line + " {{ controller.fax }}")
    line = line_of(path, "{{ controller.fax }}")
    assert any(p.startswith(f"{NOW}/en.md:{line}: unknown fact '{{{{ controller.fax }}}}'")
               for p in problems(src))


def test_relative_links_are_refused_because_the_text_has_several_addresses(src: Path) -> None:
    path = src / NOW / "en.md"
    text = path.read_text(encoding="utf-8")
    paragraph = next(line for line in text.split("\n")[10:] if line and line[0].isalpha())
    replace(path, paragraph, paragraph + " See [about us](../about/).")
    line = line_of(path, "[about us]")
    assert any(p.startswith(f"{NOW}/en.md:{line}: relative link '../about/'") for p in problems(src))
