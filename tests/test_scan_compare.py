"""The scanner's judgement, without a browser: an inventory and what a page left → findings."""

from __future__ import annotations

import pytest
from site_testing import REPO

from policy_site.scan.compare import (
    Action,
    Cookie,
    Declared,
    Kind,
    Observation,
    State,
    StorageItem,
    compare,
    declared_items,
    item_matches,
    plan,
)
from policy_site.sources.inventory_file import read_inventory
from policy_site.sources.reader import Reader

SITE = "http://www.example.test"
POLICY = "http://policy.example.test"
INVENTORY = "9c0e" * 16

DECLARED = (
    Declared("necessary", True, "ps_consent"),
    Declared("statistics", False, "_pk_id.*"),
    Declared("media", False, "ps_media"),
    Declared("preferences", False, "ps_theme", storage="localStorage"),
)
BEFORE = State("before", Action.NONE)
REJECT = State("reject_all", Action.REJECT_ALL)
STATISTICS = State("custom:statistics", Action.CUSTOM, frozenset({"statistics"}))
MEDIA = State("custom:media", Action.CUSTOM, frozenset({"media"}))
ACCEPT = State("accept_all", Action.ACCEPT_ALL, frozenset({"statistics", "media", "preferences"}))


def inventory_of(version: str):
    reader = Reader(REPO)
    inventory = read_inventory(reader, REPO / "policy_src" / "versions" / version / "cookies.yml")
    assert inventory is not None, reader.problems
    return inventory


def cookie(name: str, domain: str = "www.example.test") -> Cookie:
    return Cookie(name, domain, "/", 1_900_000_000.0, False, False, "Lax")


def seen(state: State, *items: Cookie | StorageItem, requests: dict[str, int] | None = None,
         **extra) -> Observation:
    return Observation(state, 1_800_000_000.0,
                       cookies=tuple(i for i in items if isinstance(i, Cookie)),
                       storage=tuple(i for i in items if isinstance(i, StorageItem)),
                       requests=requests or {SITE: 3}, **extra)


def findings(*observations: Observation, inventory: str | None = INVENTORY):
    return compare(DECLARED, observations, {SITE, POLICY}, inventory)


# The states ------------------------------------------------------------------------------------

def test_a_page_is_observed_before_a_choice_after_each_choice_and_each_category_alone() -> None:
    states = plan(inventory_of("2027-01-01"))
    assert [(s.id, s.action, sorted(s.accepted)) for s in states] == [
        ("before", Action.NONE, []),
        ("reject_all", Action.REJECT_ALL, []),
        ("custom:statistics", Action.CUSTOM, ["statistics"]),
        ("custom:media", Action.CUSTOM, ["media"]),
        ("custom:preferences", Action.CUSTOM, ["preferences"]),
        ("accept_all", Action.ACCEPT_ALL, ["media", "preferences", "statistics"]),
    ]


# Names ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "matches"), [
    ("_pk_id.1.d3m0", True), ("_pk_id.", True), ("_pk_id", False), ("_pk_idx.1", False),
])
def test_a_name_ending_in_dot_star_is_a_pattern_for_everything_after_the_dot(name, matches) -> None:
    assert item_matches(Declared("statistics", False, "_pk_id.*"), "cookie", name) is matches


def test_any_other_name_is_exact_in_an_inventory_that_uses_patterns() -> None:
    declared = {d.name: d for d in declared_items(inventory_of("2027-01-01"))}
    assert item_matches(declared["ps_media"], "cookie", "ps_media")
    assert not item_matches(declared["ps_media"], "cookie", "ps_media.1")
    assert item_matches(declared["_pk_ref.*"], "cookie", "_pk_ref.1.d3m0")


def test_an_inventory_written_before_patterns_names_cookies_by_their_stem() -> None:
    """2026-11-01 says _pk_id; the banner in effect with it deletes _pk_id and every _pk_id.…"""
    declared = {d.name: d for d in declared_items(inventory_of("2026-11-01"))}
    assert item_matches(declared["_pk_id"], "cookie", "_pk_id.1.d3m0")
    assert item_matches(declared["_pk_id"], "cookie", "_pk_id")
    assert not item_matches(declared["_pk_id"], "cookie", "_pk_idx")


def test_a_cookie_and_a_storage_key_of_the_same_name_are_different_items() -> None:
    theme = Declared("preferences", False, "ps_theme", storage="localStorage")
    assert item_matches(theme, "localStorage", "ps_theme")
    assert not item_matches(theme, "cookie", "ps_theme")
    assert not item_matches(theme, "sessionStorage", "ps_theme")


def test_every_item_of_an_inventory_is_declared_with_its_category() -> None:
    declared = declared_items(inventory_of("2027-01-01"))
    assert [(d.category, d.required, d.name, d.storage) for d in declared] == [
        ("necessary", True, "ps_consent", "cookie"), ("necessary", True, "ps_visitor", "cookie"),
        ("statistics", False, "_pk_id.*", "cookie"), ("statistics", False, "_pk_ses.*", "cookie"),
        ("statistics", False, "_pk_ref.*", "cookie"), ("media", False, "ps_media", "cookie"),
        ("preferences", False, "ps_theme", "cookie"),
    ]
    assert declared_items(None) == ()


# Findings ---------------------------------------------------------------------------------------

def test_declared_items_each_with_its_consent_are_clean() -> None:
    assert findings(
        seen(BEFORE),
        seen(REJECT, cookie("ps_consent")),
        seen(STATISTICS, cookie("ps_consent"), cookie("_pk_id.1.d3m0")),
        seen(ACCEPT, cookie("ps_consent"), cookie("_pk_id.1.d3m0"), cookie("ps_media"),
             StorageItem("localStorage", SITE, "ps_theme"), requests={SITE: 5, POLICY: 2}),
    ) == []


def test_an_undeclared_item_is_one_problem_naming_every_state_it_was_seen_in() -> None:
    [finding] = findings(seen(BEFORE), seen(REJECT, cookie("_ga")), seen(ACCEPT, cookie("_ga")))
    assert (finding.kind, finding.problem, finding.states) == (Kind.UNDECLARED, True,
                                                               ("reject_all", "accept_all"))
    assert finding.subject == "cookie _ga (domain www.example.test, path /)"


@pytest.mark.parametrize("item", [
    StorageItem("localStorage", SITE, "ps_consent_queue"),
    StorageItem("sessionStorage", SITE, "ps_theme"),
    StorageItem("indexedDB", SITE, "player-cache"),
])
def test_storage_of_every_kind_must_be_declared_for_that_kind(item: StorageItem) -> None:
    [finding] = findings(seen(ACCEPT, item))
    assert finding.kind is Kind.UNDECLARED and item.name in finding.subject


def test_an_optional_item_before_a_choice_is_a_problem_of_its_own() -> None:
    [finding] = findings(seen(BEFORE, cookie("_pk_id.1.d3m0")))
    assert (finding.kind, finding.categories, finding.states) == (Kind.BEFORE_CHOICE,
                                                                  ("statistics",), ("before",))


def test_an_item_present_without_consent_to_its_category_is_named_with_that_category() -> None:
    [finding] = findings(seen(REJECT, cookie("ps_media")), seen(STATISTICS, cookie("ps_media")),
                         seen(MEDIA, cookie("ps_media")))
    assert (finding.kind, finding.categories, finding.states) == (
        Kind.WITHOUT_CONSENT, ("media",), ("reject_all", "custom:statistics"))


def test_strictly_necessary_items_are_allowed_before_a_choice() -> None:
    assert findings(seen(BEFORE, cookie("ps_consent"))) == []


def test_a_request_to_another_origin_without_consent_is_a_problem_and_with_consent_information() -> None:
    tracker = "http://tracker.example.test:8080"
    result = findings(seen(BEFORE, requests={SITE: 3, tracker: 1}),
                      seen(REJECT, requests={SITE: 3, tracker: 1}),
                      seen(STATISTICS, requests={SITE: 3, POLICY: 1, tracker: 2}))
    assert [(f.kind, f.problem, f.subject, f.states) for f in result] == [
        (Kind.REQUEST_WITHOUT_CONSENT, True, tracker, ("before", "reject_all")),
        (Kind.REQUEST_WITH_CONSENT, False, tracker, ("custom:statistics",)),
    ]


def test_the_page_and_the_policy_origin_may_be_asked_before_a_choice() -> None:
    assert findings(seen(BEFORE, requests={SITE: 9, POLICY: 2})) == []


def test_a_banner_asking_about_another_inventory_is_a_problem_unless_another_version_was_chosen() -> None:
    stale = "ab12" * 16
    [finding] = findings(seen(REJECT, banner_inventory=stale))
    assert (finding.kind, finding.subject) == (Kind.OTHER_INVENTORY, stale)
    assert findings(seen(REJECT, banner_inventory=stale), inventory=None) == []
    assert findings(seen(REJECT, banner_inventory=INVENTORY)) == []


def test_a_category_the_banner_offers_no_switch_for_is_a_problem() -> None:
    [finding] = findings(seen(BEFORE), Observation(MEDIA, 0.0, switch_missing=True))
    assert (finding.kind, finding.subject, finding.states) == (Kind.NO_SWITCH, "media",
                                                               ("custom:media",))


def test_problems_come_before_information() -> None:
    result = findings(seen(STATISTICS, requests={SITE: 1, "http://a.example.test": 1}),
                      seen(ACCEPT, cookie("_ga")))
    assert [f.problem for f in result] == [True, False]


def test_the_real_inventories_declare_what_the_demo_page_sets() -> None:
    """The demo's gated scripts set Matomo-style cookies; both inventories in effect cover them."""
    for version in ("2026-11-01", "2027-01-01"):
        declared = declared_items(inventory_of(version))
        statistics = State("custom:statistics", Action.CUSTOM, frozenset({"statistics"}))
        observation = seen(statistics, cookie("ps_consent"), cookie("_pk_id.1.d3m0"),
                           cookie("_pk_ses.1.d3m0"))
        assert compare(declared, [observation], {SITE}) == [], version
