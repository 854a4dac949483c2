"""The dashboard's numbers, counted from records as the log and the export give them, without a
service: choices per day and action, acceptance of optional categories, per version and site,
GPC, withdrawals; and the CSV rows that carry every one of them."""

from __future__ import annotations

import datetime as dt
import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from consent_service.tally import RangeReversed, RangeTooLong, check_range, rows, tally

FIRST, LAST = dt.date(2026, 11, 29), dt.date(2026, 12, 1)
OPTIONAL = {"2026-11-01": ["statistics", "media"], "2027-01-01": ["preferences", "statistics", "media"]}
POLICY_SITE = "https://policy.example.se"
sequence = itertools.count(1)


def record(day: str, action: str, categories: dict[str, bool], *, version: str = "2026-11-01",
           source: str = "banner", site: str | None = None, time: str = "12:00:00") -> dict:
    made = {"type": "consent", "sequence": next(sequence), "recorded_at": f"{day}T{time}.000000Z",
            "action": action, "categories": {"necessary": True, **categories},
            "policy": {"version": version, "language": "sv"}, "source": source, "visitor": None}
    if site is not None:
        made["site"] = site
    return made


ALL = {"statistics": True, "media": True}
NONE = {"statistics": False, "media": False}
STATISTICS = {"statistics": True, "media": False}
RECORDS = [
    record("2026-11-28", "accept_all", ALL, time="23:59:59"),  # the day before the range
    record("2026-11-29", "accept_all", ALL, time="00:00:00"),
    record("2026-11-29", "reject_all", NONE, source="gpc"),
    record("2026-11-29", "custom", STATISTICS, site="https://www.example.se"),
    {"type": "checkpoint", "sequence": next(sequence), "recorded_at": "2026-11-29T03:30:00.000000Z",
     "purged": {"count": 4}},
    record("2026-12-01", "withdraw", NONE, site="https://www.example.se", time="23:59:59"),
    record("2026-12-01", "accept_all", {"preferences": True, **ALL}, version="2027-01-01"),
    record("2026-12-02", "reject_all", NONE, time="00:00:00"),  # the day after
]


@pytest.fixture
def figures():
    return tally(RECORDS, FIRST, LAST, optional=OPTIONAL, policy_site=POLICY_SITE)


def test_choices_are_counted_per_utc_day_and_action_with_empty_days_included(figures):
    assert [day.key for day in figures.days] == ["2026-11-29", "2026-11-30", "2026-12-01"]
    assert [day.choices for day in figures.days] == [3, 0, 2]
    assert figures.days[0].actions == {"accept_all": 1, "reject_all": 1, "custom": 1, "withdraw": 0}
    assert figures.days[2].actions == {"accept_all": 1, "reject_all": 0, "custom": 0, "withdraw": 1}
    assert figures.overall.choices == 5, "the days before and after, and the checkpoint, are left out"


def test_acceptance_counts_each_optional_category_where_it_was_offered(figures):
    rates = {a.category: (a.accepted, a.offered) for a in figures.overall.acceptance}
    assert rates == {"preferences": (1, 1), "statistics": (3, 5), "media": (2, 5)}
    assert "necessary" not in rates, "a required category is never counted"
    assert [a.category for a in figures.overall.acceptance] == list(figures.categories)
    [statistics] = [a for a in figures.overall.acceptance if a.category == "statistics"]
    assert statistics.rate == 3 / 5


def test_per_version_and_per_site_with_records_without_a_site_on_the_policy_site(figures):
    assert [(v.key, v.choices) for v in figures.versions] == [("2026-11-01", 4), ("2027-01-01", 1)]
    older = figures.versions[0]
    offered = {a.category: a.offered for a in older.acceptance}
    assert offered == {"preferences": 0, "statistics": 4, "media": 4}
    assert [(s.key, s.choices) for s in figures.sites] == [(POLICY_SITE, 3), ("https://www.example.se", 2)]
    assert figures.sites[1].withdrawals == 1


def test_gpc_and_withdrawals(figures):
    assert (figures.overall.gpc, figures.overall.gpc_share) == (1, 1 / 5)
    assert figures.overall.withdrawals == 1
    empty = tally([], FIRST, LAST, optional=OPTIONAL, policy_site=POLICY_SITE)
    assert (empty.overall.choices, empty.overall.gpc_share, empty.sites) == (0, None, ())


def test_a_version_the_site_does_not_list_counts_every_category_it_names():
    unknown = [record("2026-11-29", "custom", STATISTICS, version="2020-01-01")]
    figures = tally(unknown, FIRST, LAST, optional=OPTIONAL, policy_site=POLICY_SITE)
    assert [a.category for a in figures.overall.acceptance] == ["statistics", "media", "necessary"]


def test_a_version_without_optional_categories_offers_none():
    only_necessary = [record("2026-11-29", "accept_all", {}, version="2018-05-25")]
    figures = tally(only_necessary, FIRST, LAST, optional={"2018-05-25": []}, policy_site=POLICY_SITE)
    assert (figures.overall.choices, figures.overall.acceptance) == (1, ())


def test_the_csv_rows_carry_every_number(figures):
    found = {(table, group, measure): value for table, group, measure, value in rows(figures)}
    assert found[("range", "all", "first_day")] == "2026-11-29"
    assert found[("all", "all", "choices")] == 5
    assert found[("all", "all", "gpc")] == 1
    assert found[("day", "2026-11-30", "choices")] == 0
    assert found[("day", "2026-12-01", "withdraw")] == 1
    assert found[("version", "2027-01-01", "accepted:preferences")] == 1
    assert found[("site", POLICY_SITE, "offered:statistics")] == 3
    assert found[("site", "https://www.example.se", "accepted:media")] == 0


def test_a_range_is_at_most_so_many_days_and_never_backwards():
    check_range(FIRST, FIRST, 1)
    with pytest.raises(RangeReversed, match="after"):
        check_range(LAST, FIRST, 366)
    with pytest.raises(RangeTooLong, match="3 days; at most 2"):
        check_range(FIRST, LAST, 2)


def test_the_count_and_the_charts_load_no_web_framework_and_no_database():
    code = "import sys, consent_service.tally, consent_service.charts; print(chr(10).join(sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[2]).stdout.split()
    assert not {name.split(".")[0] for name in loaded} & {"flask", "werkzeug", "jinja2", "sqlalchemy"}
