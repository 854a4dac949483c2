"""The as-of date: the day every version's status is judged by, and the one rule that picks it.

An explicit date (the plugin's ``as_of`` option) wins; without one, ``$POLICY_AS_OF``; without
that, today. The build and ``policy-site`` both call :func:`resolve_as_of`, so they always judge
by the same day. Builds are reproducible only with the date fixed (``POLICY_AS_OF`` together with
``SOURCE_DATE_EPOCH``).

Pure: no MkDocs import, so the commands can judge a date without loading the generator.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from datetime import date

from policy_site.errors import PolicySiteError

AS_OF_ENV = "POLICY_AS_OF"
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class AsOfError(PolicySiteError):
    """The as-of date is not a day written YYYY-MM-DD; the message says where it came from."""


def parse_day(text: str) -> date:
    """A day written exactly ``YYYY-MM-DD`` that exists on the calendar.

    Stricter than :meth:`date.fromisoformat`, which also takes ``20261126`` or ``2026-W48-4``:
    the policy's dates are written one way everywhere. The message quotes the text and, for an
    impossible day, says why; the caller adds where the text came from.
    """
    message = f"{text!r} is not a date: write it as YYYY-MM-DD"
    if not DAY.fullmatch(text):
        raise AsOfError(message)
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise AsOfError(f"{message} ({error})") from None


def resolve_as_of(explicit: date | None, environ: Mapping[str, str] = os.environ,
                  today: Callable[[], date] = date.today) -> date:
    """``explicit`` when given, else ``$POLICY_AS_OF`` when set, else today."""
    if explicit is not None:
        return explicit
    value = environ.get(AS_OF_ENV)
    if not value:
        return today()
    try:
        return parse_day(value)
    except AsOfError as error:
        raise AsOfError(f"{AS_OF_ENV}={error}") from None
