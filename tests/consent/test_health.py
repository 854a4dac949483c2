"""Health tells the truth about the promises kept on a schedule: the site is published anew when
a version takes effect, and records are purged when their retention ends. Either failing shows
as ``behind`` with a message saying what to do; ``?strict=1`` (for monitors) answers 503 then."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from consent_service.health import HEALTH_CHECKS, PURGE_GRACE, CheckContext, run_checks
from consent_service.retention import PurgeRun
from consent_service.services import services
from testbed.consent import CURRENT, SUPERSEDED, as_choice, clocked_storage, version_entry, write_site

NOW = dt.datetime.now(dt.UTC)
TODAY = NOW.date()
YESTERDAY = TODAY - dt.timedelta(days=1)
RETENTION = dt.timedelta(days=1095)


def site_as_of(root: Path, as_of: dt.date, newest: dt.date) -> Path:
    """A site built as of ``as_of`` whose newest version takes effect on ``newest``."""
    in_effect = newest <= as_of
    return write_site(root, [
        version_entry(SUPERSEDED, "superseded", inventory=False),
        version_entry(CURRENT, "superseded" if in_effect else "current"),
        version_entry(newest.isoformat(), "current" if in_effect else "upcoming"),
    ], current=newest.isoformat() if in_effect else CURRENT, as_of=as_of)


@pytest.fixture
def append_at(app, make_body):
    """Append a choice as if made at ``moment``, through a Storage whose clock stands there."""

    def append(moment: dt.datetime) -> None:
        storage = clocked_storage(app, moment)
        try:
            storage.append_consent(as_choice(make_body("reject_all")), visitor_id=None)
        finally:
            storage.dispose()
        services(app).storage.integrate_all()  # the sequencer would have, within a second

    return append


def health(client, strict: bool = False):
    response = client.get("/api/v1/health" + ("?strict=1" if strict else ""))
    return response.status_code, response.get_json()


def test_a_service_keeping_every_promise_is_ok_even_when_asked_strictly(client):
    for strict in (False, True):
        status, answer = health(client, strict)
        assert (status, answer["status"]) == (200, "ok")
    assert set(answer["checks"]) == {check.name for check in HEALTH_CHECKS}
    assert all(check["ok"] for check in answer["checks"].values())
    assert answer["checks"]["purge"]["last_run"] is None, "nothing to purge yet: none needed"


def test_a_version_that_took_effect_after_the_site_was_built_makes_the_site_behind(make_app, tmp_path):
    site = site_as_of(tmp_path / "site", as_of=YESTERDAY, newest=TODAY)
    client = make_app(CONSENT_SITE_DIR=str(site), CONSENT_TIMEZONE="UTC").test_client()

    status, answer = health(client)
    assert (status, answer["status"]) == (200, "behind")
    assert answer["site"] == {"ok": True, "current": CURRENT}, "the site itself is still usable"
    check = answer["checks"]["site"]
    assert (check["ok"], check["as_of"], check["took_effect"]) == (False, YESTERDAY.isoformat(),
                                                                     [TODAY.isoformat()])
    assert "policy-site publish" in check["message"] and TODAY.isoformat() in check["message"]
    assert health(client, strict=True)[0] == 503

    site_as_of(site, as_of=TODAY, newest=TODAY)
    status, answer = health(client, strict=True)
    assert (status, answer["status"]) == (200, "ok"), "published anew: no restart needed"
    assert answer["site"]["current"] == TODAY.isoformat()


def test_a_site_built_before_a_version_takes_effect_is_current_until_that_day(make_app, tmp_path):
    site = site_as_of(tmp_path / "site", as_of=YESTERDAY, newest=TODAY + dt.timedelta(days=1))
    client = make_app(CONSENT_SITE_DIR=str(site), CONSENT_TIMEZONE="UTC").test_client()
    assert health(client, strict=True)[1]["checks"]["site"]["ok"] is True


def test_a_record_kept_past_retention_makes_the_purge_overdue_until_purged(client, runner, append_at):
    append_at(NOW - RETENTION - PURGE_GRACE - dt.timedelta(hours=1))
    status, answer = health(client)
    assert (status, answer["status"]) == (200, "behind")
    check = answer["checks"]["purge"]
    assert check["ok"] is False
    assert "1095 days" in check["message"] and "flask consent purge" in check["message"]
    assert health(client, strict=True)[0] == 503

    assert runner.invoke(args=["consent", "purge"]).exit_code == 0
    status, answer = health(client, strict=True)
    assert (status, answer["status"]) == (200, "ok")
    assert answer["checks"]["purge"]["oldest_record"] is None


def test_records_older_than_the_grace_with_no_purge_run_are_overdue(client, runner, append_at):
    append_at(NOW - PURGE_GRACE - dt.timedelta(hours=1))
    check = health(client)[1]["checks"]["purge"]
    assert check["ok"] is False and "no purge has run yet" in check["message"]

    assert runner.invoke(args=["consent", "purge", "--dry-run"]).exit_code == 0
    assert health(client)[1]["checks"]["purge"]["ok"] is False, "a dry run is no purge"

    assert runner.invoke(args=["consent", "purge"]).exit_code == 0
    check = health(client, strict=True)[1]["checks"]["purge"]
    assert check["ok"] is True, "a purge that deleted nothing still ran"
    ran = dt.datetime.fromisoformat(check["last_run"])
    assert abs(ran - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_a_purge_that_last_ran_before_the_grace_is_overdue(client, storage, append_at):
    append_at(NOW - dt.timedelta(days=30))
    long_ago = NOW - PURGE_GRACE - dt.timedelta(hours=1)
    storage.record_purge_run(PurgeRun(ran_at=long_ago, cutoff=long_ago - RETENTION, deleted=0,
                                      visitors_deleted=0))
    check = health(client)[1]["checks"]["purge"]
    assert check["ok"] is False and "no purge has run since" in check["message"]
    recent = NOW - dt.timedelta(hours=20)
    storage.record_purge_run(PurgeRun(ran_at=recent, cutoff=recent - RETENTION, deleted=0,
                                      visitors_deleted=0))
    assert health(client, strict=True)[0] == 200


def test_young_records_need_no_purge_yet(client, append_at):
    append_at(NOW - PURGE_GRACE + dt.timedelta(hours=1))
    assert health(client, strict=True)[0] == 200


def test_the_purge_is_judged_by_the_retention_the_service_is_configured_with(make_app, append_at):
    client = make_app(CONSENT_RETENTION_DAYS="30").test_client()
    append_at(NOW - dt.timedelta(days=33))
    check = health(client)[1]["checks"]["purge"]
    assert (check["ok"], check["retention_days"]) == (False, 30)
    assert "30 days the policy promises" in check["message"]


def test_a_check_that_cannot_look_fails_and_says_why(make_app, tmp_path):
    app = make_app(CONSENT_DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    services(app).storage.dispose()
    (tmp_path / "fresh.sqlite3").unlink()
    status, answer = health(app.test_client())
    assert (status, answer["status"]) == (503, "unavailable")
    assert answer["checks"]["purge"]["ok"] is False
    assert "init-db" in answer["checks"]["purge"]["message"]


def test_the_checks_are_one_list_a_new_promise_joins(app):
    with app.app_context():
        context = CheckContext(services(app), NOW)
        results = run_checks(context)
    assert list(results) == [check.name for check in HEALTH_CHECKS] == ["site", "purge", "log"]


def test_records_waiting_for_the_tree_show_the_sequencer_behind_until_it_integrates(
        app, client, make_body):
    """Every receipt promises inclusion within seconds; a record waiting longer means no
    sequencer holds a working lease."""
    waiting = clocked_storage(app, NOW - dt.timedelta(seconds=60))
    try:
        waiting.append_consent(as_choice(make_body("reject_all")), visitor_id=None)
    finally:
        waiting.dispose()
    status, answer = health(client, strict=True)
    assert (status, answer["status"]) == (503, "behind")
    check = answer["checks"]["log"]
    assert (check["ok"], check["pending"], check["tree_size"]) == (False, 1, 0)
    assert "sequencer" in check["message"]
    services(app).storage.integrate_all()
    status, answer = health(client, strict=True)
    assert (status, answer["checks"]["log"]["ok"], answer["checks"]["log"]["tree_size"]) == (200, True, 1)
