"""The scanner's judgement, without a browser: an inventory and what a page left → findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_core.versions import Inventory
from policy_site.scan.compare import (
    Action,
    Cookie,
    Kind,
    Observation,
    State,
    StorageItem,
    category_of,
    compare,
    plan,
)
from policy_site.sources.inventory_file import read_inventory
from policy_site.sources.reader import Reader
from testbed.site import REPO

SITE = "http://www.example.test"
POLICY = "http://policy.example.test"
INVENTORY = "9c0e" * 16

COOKIES_YML = """\
categories:
  - id: necessary
    required: true
    title: {sv: Nödvändiga, en: Strictly necessary}
    description: {sv: Behövs., en: Needed.}
    cookies:
      - {name: ps_consent, provider: Vi, purpose: {sv: Valet., en: The choice.},
         duration: {sv: 12 månader, en: 12 months}}
  - id: statistics
    required: false
    title: {sv: Statistik, en: Statistics}
    description: {sv: Matomo., en: Matomo.}
    cookies:
      - {name: _pk_id.*, provider: Vi, purpose: {sv: Id., en: ID.},
         duration: {sv: 6 månader, en: 6 months}}
  - id: media
    required: false
    title: {sv: Media, en: Media}
    description: {sv: Video., en: Video.}
    cookies:
      - {name: ps_media, provider: Vi, purpose: {sv: Volym., en: Volume.},
         duration: {sv: 6 månader, en: 6 months}}
  - id: preferences
    required: false
    title: {sv: Inställningar, en: Preferences}
    description: {sv: Färger., en: Colours.}
    cookies:
      - {name: ps_theme, storage: localStorage, provider: Vi, purpose: {sv: Färg., en: Colour.},
         duration: {sv: 12 månader, en: 12 months}}
"""
"""An inventory with a pattern, exact names and a localStorage item, as editors write one."""


def read(path: Path) -> Inventory:
    reader = Reader(path.parent)
    inventory = read_inventory(reader, path)
    assert inventory is not None, reader.problems
    return inventory


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    path = tmp_path_factory.mktemp("inventory") / "cookies.yml"
    path.write_text(COOKIES_YML, encoding="utf-8")
    return read(path)


def shipped(version: str) -> Inventory:
    return read(REPO / "policy_src" / "versions" / version / "cookies.yml")


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


def findings(inventory: Inventory, *observations: Observation, banner: str | None = INVENTORY):
    return compare(inventory, observations, {SITE, POLICY}, banner)


# The states ------------------------------------------------------------------------------------

def test_a_page_is_observed_before_a_choice_after_each_choice_and_each_category_alone() -> None:
    states = plan(shipped("2027-01-01"))
    assert [(s.id, s.action, sorted(s.accepted)) for s in states] == [
        ("before", Action.NONE, []),
        ("reject_all", Action.REJECT_ALL, []),
        ("custom:statistics", Action.CUSTOM, ["statistics"]),
        ("custom:media", Action.CUSTOM, ["media"]),
        ("custom:preferences", Action.CUSTOM, ["preferences"]),
        ("accept_all", Action.ACCEPT_ALL, ["media", "preferences", "statistics"]),
    ]


# Names ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "category"), [
    ("_pk_id.1.d3m0", "statistics"), ("_pk_id.", "statistics"), ("_pk_id", None), ("_pk_idx.1", None),
    ("ps_media", "media"), ("ps_media.1", None),
])
def test_a_name_ending_in_dot_star_is_a_pattern_and_any_other_name_is_exact(
    inventory: Inventory, name: str, category: str | None
) -> None:
    assert category_of(inventory, cookie(name)) == category


def test_an_inventory_written_before_patterns_names_cookies_by_their_stem() -> None:
    """2026-11-01 says _pk_id; the banner in effect with it deletes _pk_id and every _pk_id.…"""
    inventory = shipped("2026-11-01")
    assert category_of(inventory, cookie("_pk_id.1.d3m0")) == "statistics"
    assert category_of(inventory, cookie("_pk_id")) == "statistics"
    assert category_of(inventory, cookie("_pk_idx")) is None


def test_a_cookie_and_a_storage_key_of_the_same_name_are_different_items(inventory: Inventory) -> None:
    assert category_of(inventory, StorageItem("localStorage", SITE, "ps_theme")) == "preferences"
    assert category_of(inventory, cookie("ps_theme")) is None
    assert category_of(inventory, StorageItem("sessionStorage", SITE, "ps_theme")) is None
    assert category_of(inventory, StorageItem("localStorage", SITE, "ps_media")) is None


def test_without_an_inventory_nothing_is_declared() -> None:
    assert category_of(None, cookie("ps_consent")) is None


# Findings ---------------------------------------------------------------------------------------

def test_declared_items_each_with_its_consent_are_clean(inventory: Inventory) -> None:
    assert findings(
        inventory,
        seen(BEFORE),
        seen(REJECT, cookie("ps_consent")),
        seen(STATISTICS, cookie("ps_consent"), cookie("_pk_id.1.d3m0")),
        seen(ACCEPT, cookie("ps_consent"), cookie("_pk_id.1.d3m0"), cookie("ps_media"),
             StorageItem("localStorage", SITE, "ps_theme"), requests={SITE: 5, POLICY: 2}),
    ) == []


def test_an_undeclared_item_is_one_problem_naming_every_state_it_was_seen_in(inventory: Inventory) -> None:
    [finding] = findings(inventory, seen(BEFORE), seen(REJECT, cookie("_ga")), seen(ACCEPT, cookie("_ga")))
    assert (finding.kind, finding.problem, finding.states) == (Kind.UNDECLARED, True,
                                                               ("reject_all", "accept_all"))
    assert finding.subject == "cookie _ga (domain www.example.test, path /)"


@pytest.mark.parametrize("item", [
    StorageItem("localStorage", SITE, "ps_consent_queue"),
    StorageItem("sessionStorage", SITE, "ps_theme"),
    StorageItem("indexedDB", SITE, "player-cache"),
])
def test_storage_of_every_kind_must_be_declared_for_that_kind(inventory: Inventory,
                                                              item: StorageItem) -> None:
    [finding] = findings(inventory, seen(ACCEPT, item))
    assert finding.kind is Kind.UNDECLARED and item.name in finding.subject


def test_an_optional_item_before_a_choice_is_a_problem_of_its_own(inventory: Inventory) -> None:
    [finding] = findings(inventory, seen(BEFORE, cookie("_pk_id.1.d3m0")))
    assert (finding.kind, finding.category, finding.states) == (Kind.BEFORE_CHOICE, "statistics",
                                                                ("before",))


def test_an_item_present_without_consent_to_its_category_is_named_with_that_category(
    inventory: Inventory,
) -> None:
    [finding] = findings(inventory, seen(REJECT, cookie("ps_media")),
                         seen(STATISTICS, cookie("ps_media")), seen(MEDIA, cookie("ps_media")))
    assert (finding.kind, finding.category, finding.states) == (
        Kind.WITHOUT_CONSENT, "media", ("reject_all", "custom:statistics"))


def test_strictly_necessary_items_are_allowed_before_a_choice(inventory: Inventory) -> None:
    assert findings(inventory, seen(BEFORE, cookie("ps_consent"))) == []


def test_a_request_to_another_origin_without_consent_is_a_problem_and_with_consent_information(
    inventory: Inventory,
) -> None:
    tracker = "http://tracker.example.test:8080"
    result = findings(inventory, seen(BEFORE, requests={SITE: 3, tracker: 1}),
                      seen(REJECT, requests={SITE: 3, tracker: 1}),
                      seen(STATISTICS, requests={SITE: 3, POLICY: 1, tracker: 2}))
    assert [(f.kind, f.problem, f.subject, f.states) for f in result] == [
        (Kind.REQUEST_WITHOUT_CONSENT, True, tracker, ("before", "reject_all")),
        (Kind.REQUEST_WITH_CONSENT, False, tracker, ("custom:statistics",)),
    ]


def test_the_page_and_the_policy_origin_may_be_asked_before_a_choice(inventory: Inventory) -> None:
    assert findings(inventory, seen(BEFORE, requests={SITE: 9, POLICY: 2})) == []


def test_a_banner_asking_about_another_inventory_is_a_problem_unless_another_version_was_chosen(
    inventory: Inventory,
) -> None:
    stale = "ab12" * 16
    [finding] = findings(inventory, seen(REJECT, banner_inventory=stale))
    assert (finding.kind, finding.subject) == (Kind.OTHER_INVENTORY, stale)
    assert findings(inventory, seen(REJECT, banner_inventory=stale), banner=None) == []
    assert findings(inventory, seen(REJECT, banner_inventory=INVENTORY)) == []


def test_a_category_the_banner_offers_no_switch_for_is_a_problem(inventory: Inventory) -> None:
    [finding] = findings(inventory, seen(BEFORE), Observation(MEDIA, 0.0, switch_missing=True))
    assert (finding.kind, finding.subject, finding.states) == (Kind.NO_SWITCH, "media",
                                                               ("custom:media",))


def test_without_an_inventory_everything_stored_is_undeclared() -> None:
    [finding] = compare(None, [seen(REJECT, cookie("ps_consent"))], {SITE})
    assert finding.kind is Kind.UNDECLARED


def test_problems_come_before_information(inventory: Inventory) -> None:
    result = findings(inventory, seen(STATISTICS, requests={SITE: 1, "http://a.example.test": 1}),
                      seen(ACCEPT, cookie("_ga")))
    assert [f.problem for f in result] == [True, False]


@pytest.mark.parametrize("version", ["2026-11-01", "2027-01-01"])
def test_the_shipped_inventories_declare_what_the_demo_page_sets(version: str) -> None:
    """The demo's gated statistics script sets Matomo-style cookies; both inventories cover them."""
    observation = seen(STATISTICS, cookie("ps_consent"), cookie("_pk_id.1.d3m0"),
                       cookie("_pk_ses.1.d3m0"))
    assert compare(shipped(version), [observation], {SITE}) == []
