"""Which policy versions a choice may refer to: decided from versions.json and today's date,
and re-read when the site is rebuilt under a running service."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from testbed.consent import CURRENT, fixture_choice, version_entry, write_site

TODAY = dt.date.today()


@pytest.fixture
def database_url(tmp_path):
    return f"sqlite:///{tmp_path / 'consent.sqlite3'}"


@pytest.fixture
def own_site(tmp_path):
    return tmp_path / "own-site"


def rebuild(site, versions, current=CURRENT) -> None:
    """Write a new versions.json with a later modification time, as a rebuild would."""
    write_site(site, versions, current=current)
    stamp = dt.datetime.now().timestamp() + 5
    os.utime(site / "versions.json", (stamp, stamp))


def test_a_version_the_site_still_calls_upcoming_is_refused_even_on_its_date(make_app, own_site):
    """A site built yesterday may still say upcoming for a version taking effect today."""
    today = TODAY.isoformat()
    write_site(own_site, [version_entry(CURRENT, "current"), version_entry(today, "upcoming")],
               as_of=TODAY - dt.timedelta(days=1))
    client = make_app(CONSENT_SITE_DIR=str(own_site)).test_client()
    response = client.post("/api/v1/consents", json=fixture_choice(today))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "version_not_in_effect"


def test_a_version_marked_current_but_effective_later_is_refused(make_app, own_site):
    later = (TODAY + dt.timedelta(days=3)).isoformat()
    write_site(own_site, [version_entry(CURRENT, "superseded"), version_entry(later, "current")],
               current=later, as_of=TODAY + dt.timedelta(days=3))
    client = make_app(CONSENT_SITE_DIR=str(own_site)).test_client()
    assert client.post("/api/v1/consents", json=fixture_choice(later)).status_code == 422
    assert client.post("/api/v1/consents", json=fixture_choice(CURRENT)).status_code == 201


def test_a_superseded_version_with_an_inventory_is_accepted(make_app, own_site):
    newer = (TODAY - dt.timedelta(days=1)).isoformat()
    write_site(own_site, [version_entry(CURRENT, "superseded"), version_entry(newer, "current")],
               current=newer)
    client = make_app(CONSENT_SITE_DIR=str(own_site)).test_client()
    assert client.post("/api/v1/consents", json=fixture_choice(CURRENT)).status_code == 201


def test_a_rebuilt_site_is_read_without_a_restart(make_app, own_site):
    write_site(own_site, [version_entry(CURRENT, "current")])
    client = make_app(CONSENT_SITE_DIR=str(own_site)).test_client()
    newer = (TODAY - dt.timedelta(days=1)).isoformat()
    assert client.post("/api/v1/consents", json=fixture_choice(newer)).status_code == 422
    rebuild(own_site, [version_entry(CURRENT, "superseded"), version_entry(newer, "current")],
            current=newer)
    assert client.post("/api/v1/consents", json=fixture_choice(newer)).status_code == 201
    assert client.get("/api/v1/health").get_json()["site"]["current"] == newer


def test_a_body_accepted_before_a_rebuild_is_checked_again_after_it(make_app, own_site):
    write_site(own_site, [version_entry(CURRENT, "current")])
    client = make_app(CONSENT_SITE_DIR=str(own_site)).test_client()
    assert client.post("/api/v1/consents", json=fixture_choice(CURRENT)).status_code == 201
    changed = version_entry(CURRENT, "current")
    changed["inventory"]["sha256"] = "f" * 64
    rebuild(own_site, [changed])
    response = client.post("/api/v1/consents", json=fixture_choice(CURRENT))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "inventory"


def test_a_broken_versions_json_is_a_503_not_a_crash(make_app, own_site, caplog):
    write_site(own_site, [version_entry(CURRENT, "current")])
    (own_site / "versions.json").write_text('{"versions": [{"id": "nope"}]}')
    client = make_app(CONSENT_SITE_DIR=str(own_site)).test_client()
    response = client.post("/api/v1/consents", json=fixture_choice(CURRENT))
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "site_not_built"
    assert "versions.json" in caplog.text
