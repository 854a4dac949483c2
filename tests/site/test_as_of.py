"""The as-of date: the day every status is judged by, and the one rule that picks it."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from policy_site.as_of import AsOfError, resolve_as_of
from policy_site.config import PolicySiteConfig
from policy_site.errors import PolicySiteError

TODAY = date(2026, 11, 26)


def today() -> date:
    return TODAY


def test_an_explicit_date_wins_over_the_environment() -> None:
    assert resolve_as_of(date(2027, 1, 2), {"POLICY_AS_OF": "2026-01-01"}, today) == date(2027, 1, 2)


def test_without_one_the_environment_decides() -> None:
    assert resolve_as_of(None, {"POLICY_AS_OF": "2027-01-02"}, today) == date(2027, 1, 2)


@pytest.mark.parametrize("environ", [{}, {"POLICY_AS_OF": ""}])
def test_without_either_it_is_today(environ: dict[str, str]) -> None:
    assert resolve_as_of(None, environ, today) == TODAY


@pytest.mark.parametrize(("value", "reason"), [
    ("2026-02-30", " (day is out of range for month)"),
    ("2026-13-01", " (month must be in 1..12)"),
    ("20261126", ""),
    ("2026-W48-4", ""),
    ("2026-11-26T10:00", ""),
    (" 2026-11-26", ""),
])
def test_the_environment_must_hold_a_real_day_as_yyyy_mm_dd(value: str, reason: str) -> None:
    with pytest.raises(AsOfError) as raised:
        resolve_as_of(None, {"POLICY_AS_OF": value}, today)
    assert str(raised.value) == f"POLICY_AS_OF={value!r} is not a date: write it as YYYY-MM-DD{reason}"
    assert isinstance(raised.value, PolicySiteError)


def validated_as_of(value: object) -> tuple[object, list[str]]:
    """The plugin's ``as_of`` option after MkDocs validated it, and MkDocs' error messages."""
    config = PolicySiteConfig()
    config.load_dict({"as_of": value})
    errors, _warnings = config.validate()
    return config.as_of, [str(error) for _name, error in errors]


@pytest.mark.parametrize("value", [date(2027, 1, 2), "2027-01-02"])
def test_the_option_takes_a_yaml_date_or_a_quoted_one(value: object) -> None:
    assert validated_as_of(value) == (date(2027, 1, 2), [])


def test_the_option_may_be_left_out() -> None:
    assert validated_as_of(None) == (None, [])


@pytest.mark.parametrize(("value", "message"), [
    ("2026-02-30", "'2026-02-30' is not a date: write it as YYYY-MM-DD (day is out of range for month)"),
    ("2026-1-5", "'2026-1-5' is not a date: write it as YYYY-MM-DD"),
    (20261126, "20261126 is not a date: write it as YYYY-MM-DD"),
    (datetime(2026, 11, 26, 10), "2026-11-26 10:00:00 is a date and time: write the day only, as YYYY-MM-DD"),
])
def test_the_option_refuses_anything_but_a_real_day(value: object, message: str) -> None:
    _value, errors = validated_as_of(value)
    assert errors == [message]
