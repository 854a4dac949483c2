"""The promises the service keeps on a schedule, checked for ``/api/v1/health`` and ``/metrics``.

Answering requests is not enough: the site must be published anew when a version takes effect
(or the banner keeps asking consent under the old text), records must be purged when their
retention ends (or the policy's promise is broken), and each receipt's promise kept: the
record joins the public tree within seconds. Each check is a function of a
:class:`CheckContext` that says whether one such promise is kept, and if not what to do; a check
that cannot look (the database is down) fails with the reason.

:data:`HEALTH_CHECKS` lists them in the order the answers give them. Another promise, such as the
log's sequencer keeping up, is one more :class:`HealthCheck` in that tuple: health, its strict
mode and the metrics pick it up by name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConsentServiceError
from .records import format_timestamp
from .services import Services

PURGE_GRACE = dt.timedelta(days=2)
"""How long past its time a purge may be before it counts as overdue: the timer runs daily,
so two days is one missed run and some slack."""


@dataclass(frozen=True)
class CheckContext:
    """What a check may look at: the app's services and the moment of asking (UTC)."""

    services: Services
    now: dt.datetime

    @property
    def today(self) -> dt.date:
        """The day where the policy applies (``CONSENT_TIMEZONE``)."""
        return self.now.astimezone(self.services.timezone).date()


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str
    """What is wrong and what to do, or what was found fine."""
    details: Mapping[str, Any] = field(default_factory=dict)
    """The figures behind the verdict, as JSON values."""

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "message": self.message, **self.details}


@dataclass(frozen=True)
class HealthCheck:
    name: str
    run: Callable[[CheckContext], CheckResult]


def site_is_current(context: CheckContext) -> CheckResult:
    """The site shows the version in effect today: none took effect after it was built as of."""
    manifest = context.services.site.manifest()
    missed = manifest.took_effect_since_built(context.today)
    details = {"as_of": manifest.as_of.isoformat(), "current": manifest.current,
               "took_effect": [version.id for version in missed]}
    if not missed:
        return CheckResult(True, f"the site is built as of {manifest.as_of}; no version took "
                                 "effect since", details)
    named = ", ".join(f"{version.id} (in effect from {version.effective})" for version in missed)
    return CheckResult(
        False,
        f"the site is built as of {manifest.as_of} and still shows {manifest.current} as current, "
        f"but {named} has taken effect: publish the site as of today (policy-site publish; "
        "journalctl -u policy-publish says why the daily run did not)",
        details)


def purge_is_on_time(context: CheckContext) -> CheckResult:
    """Records are purged when their retention ends.

    Overdue when a record is kept longer than the retention period plus :data:`PURGE_GRACE` (the
    promise is broken), or when records older than the grace exist and no purge has run within
    it (the daily run has stopped, even if nothing was due yet)."""
    storage = context.services.storage
    last = storage.last_purge_run()
    oldest = oldest_consent_at(context.services)
    retention = dt.timedelta(days=context.services.retention_days)
    details = {
        "last_run": format_timestamp(last.ran_at) if last else None,
        "oldest_record": format_timestamp(oldest) if oldest else None,
        "retention_days": context.services.retention_days,
        "grace_days": PURGE_GRACE.days,
    }
    if oldest is not None and context.now - oldest > retention + PURGE_GRACE:
        days = (context.now - oldest).days
        return CheckResult(
            False,
            f"a record made {format_timestamp(oldest)} is kept {days} days, beyond the "
            f"{context.services.retention_days} days the policy promises: run `flask consent purge` and "
            "check policy-purge.timer",
            details)
    if oldest is not None and context.now - oldest > PURGE_GRACE and (
            last is None or context.now - last.ran_at > PURGE_GRACE):
        since = f"since {format_timestamp(last.ran_at)}" if last else "yet"
        return CheckResult(
            False,
            f"no purge has run {since}, and records are older than {PURGE_GRACE.days} days: check "
            "policy-purge.timer (journalctl -u policy-purge)",
            details)
    return CheckResult(True, "no record is kept past retention", details)


def oldest_consent_at(services: Services) -> dt.datetime | None:
    """When the oldest consent record whose content is kept was made."""
    return services.storage.oldest_consent_at()


SEQUENCER_DELAY = dt.timedelta(seconds=10)
"""How long a record may wait for the tree: the sequencer integrates every 500 ms, so ten
seconds means no process holds a working lease."""


def log_is_integrated(context: CheckContext) -> CheckResult:
    """Records join the tree within seconds: some process's sequencer holds the lease and works."""
    state = context.services.storage.log_state()
    oldest = state["oldest_pending"]
    details = {"tree_size": state["tree_size"], "pending": state["pending"],
               "oldest_pending": format_timestamp(oldest) if oldest else None,
               "integrated_at": state["integrated_at"]}
    if oldest is not None and context.now - oldest > SEQUENCER_DELAY:
        waited = int((context.now - oldest).total_seconds())
        return CheckResult(
            False,
            f"{state['pending']} records wait for the tree, the oldest for {waited} s: no sequencer "
            "is running (CONSENT_SEQUENCER=thread in the service, or `flask consent sequence`; "
            "journalctl -u policy-consent says why)",
            details)
    return CheckResult(True, f"the tree has {state['tree_size']} records; {state['pending']} "
                             "waiting", details)


HEALTH_CHECKS: tuple[HealthCheck, ...] = (
    HealthCheck("site", site_is_current),
    HealthCheck("purge", purge_is_on_time),
    HealthCheck("log", log_is_integrated),
)


def run_checks(context: CheckContext,
               checks: tuple[HealthCheck, ...] = HEALTH_CHECKS) -> dict[str, CheckResult]:
    """Every check's result by name; a check that cannot look fails with the reason."""
    results = {}
    for check in checks:
        try:
            results[check.name] = check.run(context)
        except ConsentServiceError as error:
            results[check.name] = CheckResult(False, f"cannot check: {error}")
    return results
