"""``/metrics``: the Prometheus text format, read with prometheus_client's own parser. Requests by
endpoint (URL rule, never the raw path), records appended, the scheduled jobs' results and ages;
for clients on this machine and holders of the admin token; and through the real gunicorn, the
totals of every worker, whichever answers."""

from __future__ import annotations

import datetime as dt
import json
import socket
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from consent_service.services import services
from policy_core.publish_report import PublishReport, write_report
from testbed.consent import (
    ADMIN_TOKEN,
    CURRENT,
    SUPERSEDED,
    as_choice,
    clocked_storage,
    version_entry,
    write_site,
)

ELSEWHERE = {"REMOTE_ADDR": "203.0.113.7"}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
NOW = dt.datetime.now(dt.UTC)


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample by name and labels."""
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(found: dict, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def scrape(client, **request) -> dict:
    response = client.get("/metrics", **request)
    assert response.status_code == 200, response.get_data(as_text=True)
    return samples(response.get_data(as_text=True))


def test_the_format_is_prometheus_text_and_never_cached(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "version=0.0.4" in response.headers["Content-Type"], "what a scraper gets without asking"
    assert response.headers["Cache-Control"] == "no-store"
    asked = client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert asked.mimetype == "application/openmetrics-text"
    assert asked.get_data(as_text=True).endswith("# EOF\n")


def test_requests_are_counted_by_url_rule_not_by_path(client):
    for path in ("/versions/2026-03-01/", "/en/versions/2026-03-01/", "/no-such-page"):
        client.get(path)
    client.put("/api/v1/health")
    client.open("/api/v1/health", method="BREW")
    found = scrape(client)
    assert value(found, "consent_http_requests_total", endpoint="/<sitepath:path>", method="GET",
                 status="200") == 2
    assert value(found, "consent_http_requests_total", endpoint="/<sitepath:path>", method="GET",
                 status="404") == 1
    assert value(found, "consent_http_requests_total", endpoint="none", method="PUT", status="405") == 1
    assert value(found, "consent_http_requests_total", endpoint="none", method="other", status="405") == 1
    assert value(found, "consent_http_request_duration_seconds_count", endpoint="/<sitepath:path>",
                 method="GET") == 3
    assert not [key for key in found if "2026-03-01" in str(key)], "no path is ever a label"


def test_records_appended_count_each_choice_once(client, make_body):
    key = {"Idempotency-Key": '"0123456789abcdef0123456789abcdef"'}
    for _ in range(2):
        assert client.post("/api/v1/consents", json=make_body("accept_all"), headers=key).status_code == 201
    client.post("/api/v1/consents", json=make_body("reject_all", source="gpc"))
    client.post("/api/v1/consents", json={"action": "nonsense"})
    found = scrape(client)
    assert value(found, "consent_records_appended_total", action="accept_all", source="banner") == 1
    assert value(found, "consent_records_appended_total", action="reject_all", source="gpc") == 1
    assert sum(v for (name, _), v in found.items() if name == "consent_records_appended_total") == 2


def test_the_scheduled_jobs_and_every_health_check_show(client, runner, app, make_body):
    found = scrape(client)
    assert value(found, "consent_check_ok", check="site") == 1
    assert value(found, "consent_check_ok", check="purge") == 1
    assert value(found, "consent_purge_last_run_timestamp_seconds") is None, "no purge has run"

    old = clocked_storage(app, NOW - dt.timedelta(days=1100))
    try:
        old.append_consent(as_choice(make_body()), visitor_id=None)
    finally:
        old.dispose()
    services(app).storage.integrate_all()
    found = scrape(client)
    assert value(found, "consent_check_ok", check="purge") == 0, "an overdue purge shows"
    assert value(found, "consent_retention_oldest_record_age_seconds") > 1100 * 86400

    assert runner.invoke(args=["consent", "purge"]).exit_code == 0
    found = scrape(client)
    assert value(found, "consent_check_ok", check="purge") == 1
    assert value(found, "consent_purge_last_deleted_records") == 1
    ran = value(found, "consent_purge_last_run_timestamp_seconds")
    assert abs(ran - dt.datetime.now(dt.UTC).timestamp()) < 60
    assert 0 <= value(found, "consent_purge_last_run_age_seconds") < 60
    assert value(found, "consent_retention_oldest_record_age_seconds") is None


def test_a_stale_site_and_the_last_publish_show(make_app, tmp_path):
    now = dt.datetime.now(dt.UTC)
    as_of = now.date() - dt.timedelta(days=3)
    www = tmp_path / "www"
    build = write_site(www / "site.20261128T230500Z", [
        version_entry(SUPERSEDED, "superseded", inventory=False), version_entry(CURRENT, "current"),
        version_entry((now.date() - dt.timedelta(days=1)).isoformat(), "upcoming")], as_of=as_of)
    link = www / "site"
    link.symlink_to(build.name)
    succeeded = now - dt.timedelta(days=3)
    write_report(link, PublishReport(now - dt.timedelta(hours=2), "refused", None, None, succeeded,
                                     "policy_src/policy.yml:3: placeholder"))
    client = make_app(CONSENT_SITE_DIR=str(link), CONSENT_TIMEZONE="UTC").test_client()

    found = scrape(client)
    assert value(found, "consent_check_ok", check="site") == 0
    assert value(found, "consent_site_as_of_age_days") == 3
    assert value(found, "consent_publish_last_result", result="refused") == 1
    assert value(found, "consent_publish_last_result", result="published") == 0
    assert 2 * 3600 <= value(found, "consent_publish_last_run_age_seconds") < 2 * 3600 + 60
    assert value(found, "consent_publish_last_success_timestamp_seconds") == int(succeeded.timestamp())
    assert value(found, "consent_publish_last_success_age_seconds") >= 3 * 86400 - 1


def test_only_this_machine_and_the_admin_token_may_read_them(make_app, client):
    assert client.get("/metrics").status_code == 200, "a loopback client"
    refused = client.get("/metrics", environ_base=ELSEWHERE)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (401, "unauthorized")
    assert "Bearer" in refused.headers["WWW-Authenticate"]
    assert client.get("/metrics", environ_base=ELSEWHERE,
                      headers={"Authorization": "Bearer wrong-token-wrong-token"}).status_code == 401
    assert client.get("/metrics", environ_base=ELSEWHERE, headers=ADMIN).status_code == 200

    tokenless = make_app(CONSENT_ADMIN_TOKEN="").test_client()
    assert tokenless.get("/metrics").status_code == 200
    refused = tokenless.get("/metrics", environ_base=ELSEWHERE)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (403, "metrics_local_only")


def test_a_loopback_address_behind_a_proxy_that_is_not_trusted_is_no_loopback_client(make_app):
    """nginx on this machine passes every client's request from 127.0.0.1: unless the service
    believes its X-Forwarded-For, the address says nothing about the client."""
    untrusted = make_app().test_client()
    assert untrusted.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 401
    trusted = make_app(CONSENT_PROXY_HOPS="1").test_client()
    assert trusted.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 401
    assert trusted.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


class HeldRequest:
    """A request sent but for its last bytes: the sync worker that accepted it waits for them, so
    the next requests go to another worker, until :meth:`finish` sends the rest."""

    def __init__(self, server, method: str, path: str, body: bytes = b"") -> None:
        self.socket = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n")
        self.socket.sendall(head.encode("ascii"))
        self.rest = b"\r\n" + body
        time.sleep(0.5)  # until a worker has accepted it

    def finish(self) -> tuple[int, str]:
        self.socket.sendall(self.rest)
        answer = b""
        while chunk := self.socket.recv(65536):
            answer += chunk
        self.socket.close()
        head, _, body = answer.partition(b"\r\n\r\n")
        return int(head.split()[1]), body.decode()


def test_gunicorn_workers_report_the_totals_whichever_answers(start_gunicorn, http, make_body,
                                                               tmp_path: Path):
    counts = tmp_path / "metrics"
    server = start_gunicorn(workers=2, PROMETHEUS_MULTIPROC_DIR=str(counts), CONSENT_PROXY_HOPS="1")
    held = HeldRequest(server, "POST", "/api/v1/consents", json.dumps(make_body("withdraw")).encode())
    kinds = ("accept_all", "custom", "reject_all", "withdraw") * 5
    for kind in kinds:
        assert http("POST", f"{server.url}/api/v1/consents", make_body(kind))[0] == 201
    assert held.finish()[0] == 201
    pids = {path.stem.split("_")[-1] for path in counts.glob("counter_*.db")}
    assert len(pids) == 2, "both workers appended choices and counted them"

    held = HeldRequest(server, "GET", "/metrics")
    status, text, _ = http_text(f"{server.url}/metrics")
    assert status == 200
    one, other = samples(text), samples(held.finish()[1])
    for found in (one, other):
        assert value(found, "consent_http_requests_total", endpoint="/api/v1/consents", method="POST",
                     status="201") == len(kinds) + 1
        assert sum(v for (name, _), v in found.items()
                   if name == "consent_records_appended_total") == len(kinds) + 1
        assert value(found, "consent_records_appended_total", action="withdraw", source="banner") == 6
    assert http_text(f"{server.url}/metrics", {"X-Forwarded-For": "203.0.113.7"})[0] == 401, (
        "behind a trusted proxy, the client's address decides")
    assert http_text(f"{server.url}/metrics", {"X-Forwarded-For": "203.0.113.7", **ADMIN})[0] == 200


def test_a_restarted_server_starts_counting_afresh(start_gunicorn, http, make_body, tmp_path: Path):
    counts = tmp_path / "metrics"
    first = start_gunicorn(workers=1, PROMETHEUS_MULTIPROC_DIR=str(counts))
    assert http("POST", f"{first.url}/api/v1/consents", make_body())[0] == 201
    first.stop()
    second = start_gunicorn(workers=1, PROMETHEUS_MULTIPROC_DIR=str(counts))
    found = samples(http_text(f"{second.url}/metrics")[1])
    assert value(found, "consent_records_appended_total", action="custom", source="banner") is None


def test_without_a_directory_gunicorn_gets_a_temporary_one_and_removes_it(start_gunicorn, http, make_body):
    before = set(Path(tempfile.gettempdir()).glob("consent-metrics-*"))
    server = start_gunicorn(workers=2)
    made = set(Path(tempfile.gettempdir()).glob("consent-metrics-*")) - before
    assert len(made) == 1
    for _ in range(6):
        assert http("POST", f"{server.url}/api/v1/consents", make_body())[0] == 201
    for _ in range(4):
        found = samples(http_text(f"{server.url}/metrics")[1])
        assert value(found, "consent_records_appended_total", action="custom", source="banner") == 6
    server.stop()
    assert not any(path.exists() for path in made)


def http_text(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, dict]:
    """A GET with urllib; the status, the body as text and the headers."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


@pytest.fixture
def database_url(tmp_path):
    """Counting is the same on either database; SQLite is enough."""
    return f"sqlite:///{tmp_path / 'consent.sqlite3'}"
