"""The dashboard's numbers, counted from the log itself: the records a range of days holds.

Pure (no Flask, no database): it reads records as :meth:`Storage.iter_records` and the export
give them, so whatever the dashboard shows can be recounted from an export
(``/api/v1/audit/export``, ``flask consent export``) and must come out the same.

- A **choice** is a consent record (purge checkpoints are none). Days are UTC days of
  ``recorded_at``, as the export's ``from`` and ``to`` are.
- The **acceptance rate** of an optional category is the share of the choices offering it that
  accepted it; a choice offers the categories of its version's inventory, and the required ones
  are not counted (they cannot be refused). For a version the site does not list, every
  category its records name is counted as optional.
- **GPC** choices are those made on a Global Privacy Control signal (``source`` ``gpc``).
- A record's **site** is its ``site`` field, the site whose banner recorded it; a record without
  one was recorded on the policy site itself.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ACTIONS: tuple[str, ...] = ("accept_all", "reject_all", "custom", "withdraw")
GPC_SOURCE = "gpc"


class RangeError(ValueError):
    """A range of days the dashboard cannot count; the message says what is wrong."""


class RangeReversed(RangeError):
    """The first day is after the last."""


class RangeTooLong(RangeError):
    """More days than the dashboard counts at once."""


@dataclass(frozen=True)
class Acceptance:
    """How often one optional category was accepted when offered."""

    category: str
    accepted: int
    offered: int

    @property
    def rate(self) -> float | None:
        """``accepted / offered``, or ``None`` when it was never offered."""
        return self.accepted / self.offered if self.offered else None


@dataclass
class _Count:
    """The running counts of one group of choices."""

    actions: Counter[str] = field(default_factory=Counter)
    gpc: int = 0
    offered: Counter[str] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)

    def add(self, record: Mapping[str, Any], optional: Sequence[str]) -> None:
        self.actions[record["action"]] += 1
        self.gpc += record["source"] == GPC_SOURCE
        for category in optional:
            if category in record["categories"]:
                self.offered[category] += 1
                self.accepted[category] += bool(record["categories"][category])


@dataclass(frozen=True)
class Group:
    """The choices of one group: all of them, one policy version, one site or one day."""

    key: str
    actions: Mapping[str, int]
    """Choices per action, every action of :data:`ACTIONS` named (zero included)."""
    gpc: int
    acceptance: tuple[Acceptance, ...]

    @property
    def choices(self) -> int:
        return sum(self.actions.values())

    @property
    def withdrawals(self) -> int:
        return self.actions.get("withdraw", 0)

    @property
    def gpc_share(self) -> float | None:
        return self.gpc / self.choices if self.choices else None


@dataclass(frozen=True)
class Figures:
    first: dt.date
    last: dt.date
    overall: Group
    days: tuple[Group, ...]
    """One group per day from ``first`` to ``last``, days without choices included."""
    versions: tuple[Group, ...]
    """By policy version, oldest first."""
    sites: tuple[Group, ...]
    """By site, the one with most choices first."""
    categories: tuple[str, ...]
    """The optional categories, in the order their versions' inventories list them."""


def check_range(first: dt.date, last: dt.date, max_days: int) -> None:
    """Raise :class:`RangeError` unless ``first``..``last`` is a range of at most ``max_days``."""
    if first > last:
        raise RangeReversed(f"the first day ({first}) is after the last ({last})")
    if (last - first).days + 1 > max_days:
        raise RangeTooLong(f"{first} to {last} is {(last - first).days + 1} days; at most {max_days}")


def tally(records: Iterable[Mapping[str, Any]], first: dt.date, last: dt.date, *,
          optional: Mapping[str, Sequence[str]], policy_site: str) -> Figures:
    """Count the choices among ``records`` made on the UTC days ``first`` to ``last``.

    ``optional`` gives each policy version's optional categories in its inventory's order;
    ``policy_site`` names the site of records that name none."""
    overall, days = _Count(), {first + dt.timedelta(days=n): _Count()
                               for n in range((last - first).days + 1)}
    versions: dict[str, _Count] = {}
    sites: dict[str, _Count] = {}
    seen: dict[str, None] = {}
    for record in records:
        if record["type"] != "consent":
            continue
        day = dt.date.fromisoformat(record["recorded_at"][:10])
        if day not in days:
            continue
        version = record["policy"]["version"]
        categories = optional[version] if version in optional else sorted(record["categories"])
        seen.update(dict.fromkeys(categories))
        site = record.get("site") or policy_site
        for count in (overall, days[day], versions.setdefault(version, _Count()),
                      sites.setdefault(site, _Count())):
            count.add(record, categories)
    order = tuple(dict.fromkeys([*(c for v in optional.values() for c in v if c in seen), *seen]))
    return Figures(
        first=first,
        last=last,
        overall=_group("all", overall, order),
        days=tuple(_group(day.isoformat(), count, order) for day, count in days.items()),
        versions=tuple(_group(key, versions[key], order) for key in sorted(versions)),
        sites=tuple(_group(key, count, order) for key, count in
                    sorted(sites.items(), key=lambda item: (-sum(item[1].actions.values()), item[0]))),
        categories=order,
    )


def _group(key: str, count: _Count, order: tuple[str, ...]) -> Group:
    return Group(
        key=key,
        actions={action: count.actions[action] for action in ACTIONS}
        | {a: n for a, n in count.actions.items() if a not in ACTIONS},
        gpc=count.gpc,
        acceptance=tuple(Acceptance(c, count.accepted[c], count.offered[c]) for c in order),
    )


def rows(figures: Figures) -> Iterable[tuple[str, str, str, int | str]]:
    """Every number of ``figures`` as ``(table, group, measure, value)``: the CSV download."""
    yield ("range", "all", "first_day", figures.first.isoformat())
    yield ("range", "all", "last_day", figures.last.isoformat())
    for table, groups in (("all", (figures.overall,)), ("day", figures.days),
                          ("version", figures.versions), ("site", figures.sites)):
        for group in groups:
            yield (table, group.key, "choices", group.choices)
            for action, number in group.actions.items():
                yield (table, group.key, action, number)
            yield (table, group.key, "gpc", group.gpc)
            for acceptance in group.acceptance:
                yield (table, group.key, f"offered:{acceptance.category}", acceptance.offered)
                yield (table, group.key, f"accepted:{acceptance.category}", acceptance.accepted)
