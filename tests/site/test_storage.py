"""When a declared name covers an item found in the browser: one rule, in the core, for the
banner, the scanner and the validation of ``cookies.yml``."""

from __future__ import annotations

import pytest

from policy_core.storage import (
    STORAGE_KINDS,
    NameMatch,
    covers,
    name_matches,
    name_problem,
    storage_problem,
)
from policy_core.versions import Category, Cookie, Inventory
from policy_site.sources import load_sources
from testbed.site import REPO


@pytest.mark.parametrize(("name", "expected"), [
    ("_pk_id.1.abcd", True),
    ("_pk_id.1", True),
    ("_pk_id.", True),
    ("_pk_id", False),
    ("_pk_idx.1.abcd", False),
    ("x_pk_id.1.abcd", False),
    ("_pk_ses.1.abcd", False),
])
def test_a_pattern_covers_its_stem_a_dot_and_anything_after(name: str, expected: bool) -> None:
    assert covers("_pk_id.*", name) is expected


@pytest.mark.parametrize(("name", "expected"), [
    ("ps_theme", True),
    ("ps_theme.1", False),
    ("ps_them", False),
    ("ps_theme2", False),
    ("PS_THEME", False),
])
def test_any_other_name_covers_exactly_itself(name: str, expected: bool) -> None:
    assert covers("ps_theme", name) is expected


@pytest.mark.parametrize(("name", "expected"), [
    ("_pk_id", True),
    ("_pk_id.1.d3m0", True),
    ("_pk_idx", False),
])
def test_read_by_stems_a_name_also_covers_its_dotted_forms(name: str, expected: bool) -> None:
    assert covers("_pk_id", name, stems=True) is expected


def test_only_a_trailing_dot_star_makes_a_pattern() -> None:
    assert name_matches("_pk_id.*") == (NameMatch("_pk_id.", prefix=True),)
    assert name_matches("ps_theme") == (NameMatch("ps_theme", prefix=False),)
    assert name_matches("_pk_id.*", stems=True) == (NameMatch("_pk_id.", prefix=True),)


@pytest.mark.parametrize(("a", "b", "expected"), [
    (NameMatch("_pk_id.", True), NameMatch("_pk_id.1.", True), True),
    (NameMatch("_pk_id.", True), NameMatch("_pk_id.1.abcd", False), True),
    (NameMatch("_pk_id.1.abcd", False), NameMatch("_pk_id.", True), True),
    (NameMatch("_pk_id.", True), NameMatch("_pk_ses.", True), False),
    (NameMatch("_pk_id.", True), NameMatch("_pk_id", False), False),
    (NameMatch("ps_theme", False), NameMatch("ps_theme", False), True),
    (NameMatch("ps_theme", False), NameMatch("ps_media", False), False),
])
def test_two_names_overlap_when_some_item_is_covered_by_both(a: NameMatch, b: NameMatch,
                                                             expected: bool) -> None:
    assert a.overlaps(b) is expected
    assert b.overlaps(a) is expected


@pytest.mark.parametrize(("name", "storage", "problem"), [
    ("_pk_id.*", "cookie", None),
    ("ps_theme", "cookie", None),
    ("my key", "localStorage", None),
    ("cache.*", "sessionStorage", None),
    ("", "cookie", "'name' must be non-empty text"),
    (None, "cookie", "'name' must be non-empty text"),
    ("_pk_*", "cookie", "'*' is allowed only at the end, after a dot"),
    ("_pk_id*", "cookie", "'*' is allowed only at the end, after a dot"),
    ("*.id", "localStorage", "'*' is allowed only at the end, after a dot"),
    ("_pk.*.*", "cookie", "'*' is allowed only at the end, after a dot"),
    (".*", "cookie", "a pattern needs the start of the name before '.*'"),
    ("my cookie", "cookie", "is not a cookie name"),
    ("a=b", "cookie", "is not a cookie name"),
])
def test_what_a_name_may_be(name: object, storage: str, problem: str | None) -> None:
    found = name_problem(name, storage)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_the_storage_kinds_are_named_in_the_error() -> None:
    assert storage_problem("cookie") is None and storage_problem("sessionStorage") is None
    message = storage_problem("indexedDB")
    assert message is not None
    assert all(kind in message for kind in STORAGE_KINDS) and "'indexedDB'" in message


def inventory(*items: Cookie) -> Inventory:
    text = {"sv": "x", "en": "x"}
    return Inventory(categories=(
        Category("necessary", True, text, text, (Cookie("ps_consent", text, text, text),)),
        Category("statistics", False, text, text, items),
    ), data={})


def item(name: str, storage: str = "cookie") -> Cookie:
    text = {"sv": "x", "en": "x"}
    return Cookie(name, text, text, text, storage)


def test_an_item_is_declared_by_the_category_that_covers_it_in_its_own_storage() -> None:
    declared = inventory(item("_pk_id.*"), item("ps_queue", "localStorage"))
    assert declared.declaring("cookie", "_pk_id.1.abcd").id == "statistics"
    assert declared.declaring("cookie", "ps_consent").id == "necessary"
    assert declared.declaring("localStorage", "ps_queue").id == "statistics"
    assert declared.declaring("cookie", "ps_queue") is None
    assert declared.declaring("sessionStorage", "ps_queue") is None
    assert declared.declaring("localStorage", "ps_consent") is None
    assert declared.declaring("cookie", "_pk_id") is None


def test_an_inventory_with_only_plain_cookie_names_is_read_by_stems() -> None:
    assert inventory(item("_pk_id")).stems
    assert inventory(item("_pk_id")).declaring("cookie", "_pk_id.1.d3m0").id == "statistics"
    assert not inventory(item("_pk_id"), item("_pk_ses.*")).stems
    assert not inventory(item("_pk_id"), item("ps_queue", "localStorage")).stems
    assert inventory(item("_pk_id"), item("_pk_ses.*")).declaring("cookie", "_pk_id.1.d3m0") is None


def test_the_shipped_inventories_keep_what_they_meant_when_they_took_effect() -> None:
    """2026-11-01 named Matomo's cookies by their stem (and the banner then in effect deleted
    their dotted forms); from 2027-01-01 on, names are exact or patterns."""
    versions = {v.id: v for v in load_sources(REPO / "policy_src").versions}
    before, after = versions["2026-11-01"].inventory, versions["2027-01-01"].inventory
    assert before is not None and after is not None
    assert before.stems and not after.stems
    for name in ("_pk_id.1.abcd", "_pk_ses.1.abcd"):
        assert before.declaring("cookie", name).id == "statistics"
        assert after.declaring("cookie", name).id == "statistics"
    assert before.declaring("cookie", "_pk_ref.1.abcd") is None
    assert after.declaring("cookie", "_pk_ref.1.abcd").id == "statistics"
    assert after.declaring("cookie", "ps_theme").id == "preferences"
    assert after.declaring("cookie", "ps_theme.1") is None
    assert after.declaring("localStorage", "__palette") is None
