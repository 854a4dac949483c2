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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from policy_core.versions import Inventory

COOKIE = "cookie"
PATTERN = ".*"


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
class Declared:
    """One item of the inventory: a name (exact, or a pattern ending in ``.*``) in a category."""

    category: str
    required: bool
    name: str
    storage: str = COOKIE
    stem: bool = False
    """The name also covers its dotted forms (``_pk_id`` covers ``_pk_id.1.d3m0``): the reading
    of an inventory written before patterns existed, as the banner in effect with it read it."""


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
    categories: tuple[str, ...] = ()
    """The categories the item was declared in (for items present without consent)."""

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


def declared_items(inventory: Inventory | None) -> tuple[Declared, ...]:
    """Every item the inventory declares, with its category.

    An inventory with no pattern and no other storage than cookies was written before either
    existed: its names are stems (see :attr:`Declared.stem`).
    """
    if inventory is None:
        return ()
    # An inventory item names its storage once cookies.yml has the field; until then, a cookie.
    items = [(category, cookie, getattr(cookie, "storage", COOKIE))
             for category in inventory.categories for cookie in category.cookies]
    stems = not any(cookie.name.endswith(PATTERN) or storage != COOKIE for _, cookie, storage in items)
    return tuple(Declared(category.id, category.required, cookie.name, storage, stems)
                 for category, cookie, storage in items)


def item_matches(declared: Declared, storage: str, name: str) -> bool:
    """Whether an item the browser holds is the one declared.

    A declared name is exact, or a pattern ending in ``.*`` for names that vary: ``_pk_id.*``
    matches ``_pk_id.`` followed by anything (Matomo's ``_pk_id.<site>.<hash>``). Items are
    compared per storage: a cookie never matches a ``localStorage`` key of the same name.
    """
    if declared.storage != storage:
        return False
    if declared.name.endswith(PATTERN):
        return name.startswith(declared.name[:-1])
    return name == declared.name or (declared.stem and name.startswith(declared.name + "."))


def categories_of(declared: Sequence[Declared], item: Item) -> tuple[str, ...]:
    """The categories that declare ``item`` (none: undeclared)."""
    found = [d.category for d in declared if item_matches(d, item.storage, item.name)]
    return tuple(dict.fromkeys(found))


def describe(item: Item) -> str:
    if isinstance(item, Cookie):
        return f"cookie {item.name} (domain {item.domain}, path {item.path})"
    kind = "IndexedDB database" if item.storage == "indexedDB" else f"{item.storage} item"
    return f"{kind} {item.name} ({item.origin})"


def lifetime(cookie: Cookie, now: float) -> dt.timedelta | None:
    """How long the browser keeps the cookie from the moment it was observed."""
    return None if cookie.expires is None else dt.timedelta(seconds=round(cookie.expires - now))


def compare(declared: Sequence[Declared], observations: Iterable[Observation],
            expected_origins: Iterable[str], inventory_sha256: str | None = None) -> list[Finding]:
    """Every finding of a page's observations, problems first, each subject once.

    ``expected_origins``: the page's own origin and the policy origin. ``inventory_sha256``:
    the inventory the banner must ask about; ``None`` when another version was chosen on
    purpose and the banner's may differ.
    """
    expected = set(expected_origins)
    seen: dict[tuple[Kind, str], tuple[list[str], tuple[str, ...]]] = {}

    def found(kind: Kind, subject: str, state: State, categories: tuple[str, ...] = ()) -> None:
        states, _ = seen.setdefault((kind, subject), ([], categories))
        if state.id not in states:
            states.append(state.id)

    required = {d.category for d in declared if d.required}
    for observation in observations:
        state = observation.state
        if observation.switch_missing:
            found(Kind.NO_SWITCH, ", ".join(sorted(state.accepted)), state)
            continue
        for item in observation.items:
            categories = categories_of(declared, item)
            if not categories:
                found(Kind.UNDECLARED, describe(item), state)
            elif not any(c in required or c in state.accepted for c in categories):
                kind = Kind.WITHOUT_CONSENT if state.chosen else Kind.BEFORE_CHOICE
                found(kind, describe(item), state, categories)
        for origin in sorted(set(observation.requests) - expected):
            kind = Kind.REQUEST_WITH_CONSENT if state.accepted else Kind.REQUEST_WITHOUT_CONSENT
            found(kind, origin, state)
        if inventory_sha256 and observation.banner_inventory not in (None, inventory_sha256):
            found(Kind.OTHER_INVENTORY, observation.banner_inventory, state)
    findings = [Finding(kind, subject, tuple(states), categories)
                for (kind, subject), (states, categories) in seen.items()]
    return sorted(findings, key=lambda f: (not f.problem, list(Kind).index(f.kind), f.subject))
