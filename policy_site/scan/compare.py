"""What a scan found, judged against a cookie inventory: pure, no browser.

The browser module observes a page in several consent states; this module says which of those
observations the inventory does not allow. The rules, as the policy promises them:

- every cookie and every ``localStorage``, ``sessionStorage`` and IndexedDB item is declared;
- an item of an optional category is present only once that category is accepted, and nothing
  optional is present before a choice;
- before any consent the page sends no request to another origin than its own and the policy
  origin's (which serves the banner and records the choice); with consent, requests to other
  origins are listed for information, since the inventory does not name hosts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from policy_core.storage import COOKIE
from policy_core.versions import Inventory


class Action(StrEnum):
    """What the scanner does with the banner; the names are the consent service's actions."""

    NONE = "none"
    REJECT_ALL = "reject_all"
    CUSTOM = "custom"
    ACCEPT_ALL = "accept_all"


@dataclass(frozen=True)
class State:
    """One consent state a page is observed in, each in a fresh browser profile."""

    id: str
    action: Action
    accepted: frozenset[str] = frozenset()
    """The optional categories accepted in this state."""

    @property
    def chosen(self) -> bool:
        return self.action is not Action.NONE


@dataclass(frozen=True)
class Cookie:
    """A cookie as the browser holds it; ``expires`` is a Unix time, ``None`` for the session."""

    name: str
    domain: str
    path: str
    expires: float | None
    http_only: bool
    secure: bool
    same_site: str
    storage: ClassVar[str] = COOKIE


@dataclass(frozen=True)
class StorageItem:
    """A ``localStorage`` or ``sessionStorage`` key, or an IndexedDB database, of one origin."""

    storage: str
    origin: str
    name: str


Item = Cookie | StorageItem


@dataclass(frozen=True)
class Observation:
    """Everything a page left in a fresh profile in one state, and where it sent requests."""

    state: State
    time: float
    """Unix time of the observation, to tell how long each cookie is kept."""
    cookies: tuple[Cookie, ...] = ()
    storage: tuple[StorageItem, ...] = ()
    requests: Mapping[str, int] = field(default_factory=dict)
    """Requests per origin, the page's own included."""
    banner_inventory: str | None = None
    """The inventory hash the banner says the choice was made for (``psConsent.get()``)."""
    switch_missing: bool = False
    """The banner's settings had no switch for the category this state accepts."""

    @property
    def items(self) -> tuple[Item, ...]:
        return (*self.cookies, *self.storage)


class Kind(StrEnum):
    UNDECLARED = "undeclared"
    BEFORE_CHOICE = "before_choice"
    WITHOUT_CONSENT = "without_consent"
    REQUEST_WITHOUT_CONSENT = "request_without_consent"
    REQUEST_WITH_CONSENT = "request_with_consent"
    NO_SWITCH = "no_switch"
    OTHER_INVENTORY = "other_inventory"


INFORMATION = frozenset({Kind.REQUEST_WITH_CONSENT})


@dataclass(frozen=True)
class Finding:
    """One thing the scan found, with every state it was seen in."""

    kind: Kind
    subject: str
    """What it is about: an item (``cookie _ga (domain example.se)``), an origin or a category."""
    states: tuple[str, ...]
    category: str | None = None
    """The category that declares the item (for items present without consent)."""

    @property
    def problem(self) -> bool:
        return self.kind not in INFORMATION


def plan(inventory: Inventory | None) -> list[State]:
    """The states to observe: before a choice, after Reject all, after accepting each optional
    category alone, after Accept all."""
    optional = [c.id for c in inventory.categories if not c.required] if inventory else []
    return [
        State("before", Action.NONE),
        State("reject_all", Action.REJECT_ALL),
        *(State(f"custom:{category}", Action.CUSTOM, frozenset({category})) for category in optional),
        State("accept_all", Action.ACCEPT_ALL, frozenset(optional)),
    ]


def category_of(inventory: Inventory | None, item: Item) -> str | None:
    """The category that declares ``item``, by the inventory format's own rule
    (:mod:`policy_core.storage`): exact names, ``.*`` patterns, stems in older inventories."""
    category = inventory.declaring(item.storage, item.name) if inventory else None
    return category.id if category else None


def describe(item: Item) -> str:
    if isinstance(item, Cookie):
        return f"cookie {item.name} (domain {item.domain}, path {item.path})"
    kind = "IndexedDB database" if item.storage == "indexedDB" else f"{item.storage} item"
    return f"{kind} {item.name} ({item.origin})"


def lifetime(cookie: Cookie, now: float) -> dt.timedelta | None:
    """How long the browser keeps the cookie from the moment it was observed."""
    return None if cookie.expires is None else dt.timedelta(seconds=round(cookie.expires - now))


def compare(inventory: Inventory | None, observations: Iterable[Observation],
            expected_origins: Iterable[str], inventory_sha256: str | None = None) -> list[Finding]:
    """Every finding of a page's observations, problems first, each subject once.

    ``expected_origins``: the page's own origin and the policy origin. ``inventory_sha256``:
    the inventory the banner must ask about; ``None`` when another version was chosen on
    purpose and the banner's may differ.
    """
    expected = set(expected_origins)
    required = set(inventory.required_ids) if inventory else set()
    seen: dict[tuple[Kind, str], tuple[list[str], str | None]] = {}

    def found(kind: Kind, subject: str, state: State, category: str | None = None) -> None:
        states, _ = seen.setdefault((kind, subject), ([], category))
        if state.id not in states:
            states.append(state.id)

    for observation in observations:
        state = observation.state
        if observation.switch_missing:
            found(Kind.NO_SWITCH, ", ".join(sorted(state.accepted)), state)
            continue
        for item in observation.items:
            category = category_of(inventory, item)
            if category is None:
                found(Kind.UNDECLARED, describe(item), state)
            elif category not in required and category not in state.accepted:
                kind = Kind.WITHOUT_CONSENT if state.chosen else Kind.BEFORE_CHOICE
                found(kind, describe(item), state, category)
        for origin in sorted(set(observation.requests) - expected):
            kind = Kind.REQUEST_WITH_CONSENT if state.accepted else Kind.REQUEST_WITHOUT_CONSENT
            found(kind, origin, state)
        if inventory_sha256 and observation.banner_inventory not in (None, inventory_sha256):
            found(Kind.OTHER_INVENTORY, observation.banner_inventory, state)
    findings = [Finding(kind, subject, tuple(states), category)
                for (kind, subject), (states, category) in seen.items()]
    return sorted(findings, key=lambda f: (not f.problem, list(Kind).index(f.kind), f.subject))
