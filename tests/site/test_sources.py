"""Editors get one clear ``file:line: message`` per problem, all problems in one run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from policy_core.hashing import sha256_hex
from policy_site.sources import SourceError, load_sources, split_front_matter

OLD = "versions/2018-05-25"
NOW = "versions/2026-11-01"


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def problems(src: Path) -> list[str]:
    with pytest.raises(SourceError) as caught:
        load_sources(src, display_base=src)
    return [str(p) for p in caught.value.problems]


@pytest.fixture
def src(project: Path) -> Path:
    return project / "policy_src"


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


def test_unknown_front_matter_key_suggests_the_right_one(src: Path) -> None:
    path = src / OLD / "sv.md"
    replace(path, "summary:", "sumary:")
    line = line_of(path, "sumary:")
    found = "\n".join(problems(src))
    assert f"{OLD}/sv.md:{line}: unknown front matter key 'sumary' (did you mean 'summary'?)" in found
    assert f"{OLD}/sv.md:1: front matter is missing 'summary'" in found


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


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("required: true", "required: yes please", "'required' must be true or false"),
        ("id: necessary", "id: Necessary!", "category id must be lowercase"),
        ("    cookies:", "    cookie:", "unknown key 'cookie' (did you mean 'cookies'?)"),
    ],
)
def test_broken_inventory_names_the_line(src: Path, old: str, new: str, expected: str) -> None:
    path = src / NOW / "cookies.yml"
    line = line_of(path, old)
    replace(path, old, new)
    found = problems(src)
    assert any(p.startswith(f"{NOW}/cookies.yml:{line}: {expected}") for p in found), found


UPCOMING = "versions/2027-01-01"


def add_item(src: Path, name: str, storage: str | None = None) -> int:
    """Append an item to the last category of the upcoming inventory; the line of its name."""
    path = src / UPCOMING / "cookies.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + f"      - name: {name}\n" + (f"        storage: {storage}\n" if storage else "")
                    + "        provider: {sv: Vi, en: Us}\n        purpose: {sv: Test., en: Test.}\n"
                    "        duration: {sv: 1 dag, en: 1 day}\n", encoding="utf-8")
    return text.count("\n") + 1


@pytest.mark.parametrize(
    ("name", "storage", "expected"),
    [
        ("ps_x", "indexedDB", "'storage' must be one of cookie, localStorage, sessionStorage "
                              "(leave it out for a cookie), not 'indexedDB'"),
        ("ps_x", "[cookie]", "'storage' must be one of cookie, localStorage, sessionStorage"),
        ("_pk_*", None, "'name' '_pk_*': '*' is allowed only at the end, after a dot, for a pattern"),
        ("ps_x*", None, "'name' 'ps_x*': '*' is allowed only at the end, after a dot"),
        ("'*.x'", "localStorage", "'name' '*.x': '*' is allowed only at the end, after a dot"),
        ("'.*'", None, "'name' '.*': a pattern needs the start of the name before '.*'"),
        ("ps x", None, "'name' 'ps x' is not a cookie name"),
        ("''", None, "'name' must be non-empty text"),
    ],
    ids=["unknown storage", "storage not text", "star inside", "star without dot",
         "star first", "nothing before", "space in a cookie name", "empty name"],
)
def test_an_item_s_storage_and_name_are_checked_at_their_line(
    src: Path, name: str, storage: str | None, expected: str
) -> None:
    line = add_item(src, name, storage) + (1 if expected.startswith("'storage'") else 0)
    found = problems(src)
    assert any(p.startswith(f"{UPCOMING}/cookies.yml:{line}: {expected}") for p in found), found


@pytest.mark.parametrize(("name", "storage", "declared"), [
    ("_pk_id.1.*", None, "_pk_id.*"),
    ("_pk_ref.1.abcd", None, "_pk_ref.*"),
    ("ps_media", "cookie", "ps_media"),
])
def test_an_item_is_declared_once(src: Path, name: str, storage: str | None, declared: str) -> None:
    line = add_item(src, name, storage)
    first = line_of(src / UPCOMING / "cookies.yml", f"name: {declared}")
    assert f"{UPCOMING}/cookies.yml:{line}: '{name}' covers an item that '{declared}' (line {first}) " \
           "already declares: declare each item once" in problems(src)


def test_an_item_kept_elsewhere_than_in_a_cookie_names_its_storage(src: Path) -> None:
    add_item(src, "ps_tabs.*", "sessionStorage")
    add_item(src, "ps_theme", "localStorage")
    add_item(src, "ps_font", "cookie")
    version = next(v for v in load_sources(src).versions if v.id == "2027-01-01")
    assert version.inventory is not None
    preferences = next(c for c in version.inventory.categories if c.id == "preferences")
    assert [(item.name, item.storage) for item in preferences.cookies] == [
        ("ps_theme", "cookie"), ("ps_tabs.*", "sessionStorage"), ("ps_theme", "localStorage"),
        ("ps_font", "cookie")]


def test_inventory_text_missing_a_language(src: Path) -> None:
    path = src / NOW / "cookies.yml"
    text = path.read_text(encoding="utf-8")
    # drop the first English line of a localized mapping
    en_line = next(line for line in text.split("\n") if line.strip().startswith("en:"))
    replace(path, en_line + "\n", "")
    assert any(p.startswith(f"{NOW}/cookies.yml:") and "needs non-empty text in each language" in p
               for p in problems(src))


def test_invalid_yaml_in_inventory(src: Path) -> None:
    path = src / NOW / "cookies.yml"
    path.write_text("categories:\n  - id: necessary\n   required: true\n", encoding="utf-8")
    assert any(p.startswith(f"{NOW}/cookies.yml:3: not valid YAML") for p in problems(src))


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


def test_missing_required_fact(src: Path) -> None:
    path = src / "policy.yml"
    text = path.read_text(encoding="utf-8")
    email = next(line for line in text.split("\n") if line.strip().startswith("email:"))
    replace(path, email + "\n", "")
    assert any(p.startswith("policy.yml:") and "missing key 'controller.email'" in p
               for p in problems(src))


def test_empty_front_matter_is_reported_not_dropped(src: Path) -> None:
    path = src / OLD / "sv.md"
    body = path.read_bytes().split(b"\n---\n", 1)[1]
    path.write_bytes(b"---\n---\n" + body)
    expected = f"{OLD}/sv.md:2: empty: expected effective, published, change_type, title, summary"
    assert expected in problems(src)


def test_empty_policy_yml(src: Path) -> None:
    (src / "policy.yml").write_text("# nothing yet\n", encoding="utf-8")
    assert any(p.startswith("policy.yml:1: empty: expected the document's facts") for p in problems(src))


def test_empty_inventory(src: Path) -> None:
    (src / NOW / "cookies.yml").write_text("\n", encoding="utf-8")
    assert any(p.startswith(f"{NOW}/cookies.yml:1: empty: expected categories:") for p in problems(src))


def test_relative_links_are_refused_because_the_text_has_several_addresses(src: Path) -> None:
    path = src / NOW / "en.md"
    text = path.read_text(encoding="utf-8")
    paragraph = next(line for line in text.split("\n")[10:] if line and line[0].isalpha())
    replace(path, paragraph, paragraph + " See [about us](../about/).")
    line = line_of(path, "[about us]")
    assert any(p.startswith(f"{NOW}/en.md:{line}: relative link '../about/'") for p in problems(src))


def test_a_fact_given_in_one_language_only(src: Path) -> None:
    path = src / "policy.yml"
    text = path.read_text(encoding="utf-8")
    en_line = next(line for line in text.split("\n") if line.strip().startswith("en: \"the Swedish"))
    replace(path, en_line + "\n", "")
    found = problems(src)
    assert any(p.startswith("policy.yml:") and "'supervisory_authority.name' has no en text" in p
               for p in found), found


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('"https://PLACEHOLDER.example/"', '"https://example.se/policy"',
     "site.url 'https://example.se/policy' must be an http(s) address ending in '/'"),
    ('"PLACEHOLDER.example,2018"', '"example.se"',
     "site.tag_authority 'example.se' must be a domain and a date"),
])
def test_feed_facts_are_well_formed(src: Path, old: str, new: str, expected: str) -> None:
    path = src / "policy.yml"
    replace(path, old, new)
    line = line_of(path, new)
    assert any(p.startswith(f"policy.yml:{line}: {expected}") for p in problems(src))


# --- values YAML cannot construct -----------------------------------------------------------------
# PyYAML turns date-shaped scalars into dates, and tagged ones into their type, while it loads; a
# value it cannot construct must be one problem at its line, like any other mistake, in every YAML
# file the build reads, and the rest of the run must still be checked and reported.

UNREADABLE_VALUES = {
    "impossible day": ("2027-02-30", "'2027-02-30' is not a real date (day is out of range for month)"),
    "impossible month": ("2027-13-01", "'2027-13-01' is not a real date (month must be in 1..12)"),
    "impossible time": ("2027-01-01 25:00:00", "'2027-01-01 25:00:00' is not a real date (hour must "
                        "be in 0..23)"),
    "bad base64": ("!!binary abcde", "'abcde' cannot be read as base64 data (failed to decode base64"),
    "unknown tag": ("!secret hunter2", "'hunter2' has the tag '!secret', which is not allowed here"),
    "not a boolean": ("!!bool maybe", "'maybe' cannot be read as true or false"),
}

LINK = ("\n## ", "\nSee [the history](changes/).\n\n## ")
SITE_URL = ('"https://PLACEHOLDER.example/"', '"https://example.se/x"')
YAML_PLACES = {
    # name: (file, the line whose value is replaced, a second mistake in the same file)
    "front matter effective": (f"{NOW}/sv.md", "effective: 2026-11-01", LINK),
    "front matter published": (f"{NOW}/en.md", "published: 2026-10-01", LINK),
    "policy.yml, a required fact": ("policy.yml", "  appointed: false", SITE_URL),
    "policy.yml, a fact the texts use": ("policy.yml", '  url: "https://www.imy.se/"', SITE_URL),
    "cookies.yml": (f"{NOW}/cookies.yml", "    required: true", ("id: statistics", "id: Statistics!")),
}


def break_line(path: Path, old: str, new: str) -> int:
    """Replace ``old`` with ``new`` once; the line where ``new`` now starts."""
    replace(path, old, new)
    return line_of(path, new.strip("\n").split("\n")[0])


@pytest.mark.parametrize("value", UNREADABLE_VALUES, ids=str)
@pytest.mark.parametrize("place", YAML_PLACES, ids=str)
def test_a_value_yaml_cannot_construct_is_one_problem_at_its_line(src: Path, place: str, value: str) -> None:
    name, written, elsewhere = YAML_PLACES[place]
    bad, message = UNREADABLE_VALUES[value]
    path = src / name
    line = break_line(path, written, written.split(":")[0] + ": " + bad)
    same_file_line = break_line(path, *elsewhere)
    other_file_line = break_line(src / OLD / "en.md", *LINK)

    found = problems(src)

    assert f"{name}:{line}: {message}" in "\n".join(found), found
    assert any(p.startswith(f"{name}:{same_file_line}: ") for p in found), found
    assert any(p.startswith(f"{OLD}/en.md:{other_file_line}: relative link") for p in found), found
    assert len(found) == 3, "the value is reported once, and nothing else is blamed on it"


def test_every_unreadable_value_of_a_file_is_reported_in_one_run(src: Path) -> None:
    path = src / NOW / "sv.md"
    replace(path, "effective: 2026-11-01", "effective: 2026-02-30")
    replace(path, "published: 2026-10-01", "published: 2026-13-01")
    replace(path, "change_type: material", "change_type: !kind material")
    found = problems(src)
    assert [p.split(":", 2)[1] for p in found] == ["2", "3", "4"], found
    assert "'2026-13-01' is not a real date" in found[1]
    assert "has the tag '!kind'" in found[2]

