"""A version's cookie inventory (``cookies.yml``), checked at its line: valid YAML, not empty,
known keys, text in every language, each item's name and storage, and each item declared once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_site.sources import load_sources
from testbed.sources import NOW, UPCOMING, line_of, problems, replace


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


def test_empty_inventory(src: Path) -> None:
    (src / NOW / "cookies.yml").write_text("\n", encoding="utf-8")
    assert any(p.startswith(f"{NOW}/cookies.yml:1: empty: expected categories:") for p in problems(src))


# Items ------------------------------------------------------------------------------------------

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
