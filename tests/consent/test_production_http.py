"""The production server over HTTP as a browser meets it: one origin for the site and the API,
the body limit on chunked uploads, and a log without secrets. SQLite only: the database
plays no part here."""

from __future__ import annotations

import http.client
import re
from urllib.parse import urlsplit

import pytest

from testbed.consent import ADMIN_TOKEN, http_json


@pytest.fixture
def database_url(tmp_path):
    return f"sqlite:///{tmp_path / 'consent.sqlite3'}"


def test_site_and_api_are_served_from_one_origin(start_gunicorn, site_dir):
    server = start_gunicorn(workers=1)
    connection = http.client.HTTPConnection("127.0.0.1", urlsplit(server.url).port, timeout=10)
    for path, status, content_type in [
        ("/", 200, "text/html"),
        ("/versions.json", 200, "application/json"),
        ("/consent-log", 200, "text/html"),
        ("/api/v1/health", 200, "application/json"),
        ("/missing/", 404, "text/html"),
    ]:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        assert response.status == status, path
        assert response.getheader("Content-Type").startswith(content_type), path
        assert response.getheader("X-Content-Type-Options") == "nosniff"
    connection.close()


def test_a_chunked_body_over_the_limit_is_refused_by_the_real_server(start_gunicorn):
    server = start_gunicorn(workers=1)
    connection = http.client.HTTPConnection("127.0.0.1", urlsplit(server.url).port, timeout=10)
    body = iter([b'{"action": "'] + [b"x" * 1000] * 10 + [b'"}'])
    connection.request(
        "POST",
        "/api/v1/consents",
        body=body,
        headers={"Content-Type": "application/json"},
        encode_chunked=True,
    )
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    assert response.status == 413, payload
    assert b"body_too_large" in payload
    assert http_json("GET", f"{server.url}/api/v1/health")[0] == 200


def test_the_server_log_holds_no_secret(start_gunicorn, make_body):
    server = start_gunicorn(workers=1, GUNICORN_CMD_ARGS="--access-logfile - --log-level debug")
    _, headers, _ = http_json("POST", f"{server.url}/api/v1/consents", make_body())
    credential = re.match(r"ps_visitor=([^;]+);", headers["Set-Cookie"]).group(1)
    http_json("GET", f"{server.url}/api/v1/me/consents", headers={"Authorization": f"Bearer {credential}"})
    http_json("GET", f"{server.url}/api/v1/audit/verify", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    server.stop()
    log = server.log_path.read_text()
    assert "/api/v1/me/consents" in log  # the access log is on
    assert credential.split(".")[1] not in log
    assert ADMIN_TOKEN not in log


def test_over_the_sign_in_limit_the_real_server_answers_429_and_its_log_names_no_client(start_gunicorn):
    """Behind a proxy (CONSENT_PROXY_HOPS=1) the client is the address it forwards: counted in
    the limiter's memory, never written to the server's log, even at debug level."""
    server = start_gunicorn(workers=1, CONSENT_PROXY_HOPS="1", CONSENT_LOGIN_RATE_LIMIT="2/minute",
                            GUNICORN_CMD_ARGS="--log-level debug")
    client_address = "198.51.100.77"
    connection = http.client.HTTPConnection("127.0.0.1", urlsplit(server.url).port, timeout=10)
    answers = []
    for _ in range(3):
        connection.request("POST", "/admin/en/login", body="token=wrong-wrong-wrong-wrong",
                           headers={"Content-Type": "application/x-www-form-urlencoded",
                                    "X-Forwarded-For": client_address})
        response = connection.getresponse()
        answers.append((response.status, response.getheader("Retry-After"), response.read()))
    connection.close()
    assert [status for status, _, _ in answers] == [401, 401, 429]
    _, retry_after, page = answers[-1]
    assert 0 < int(retry_after) <= 60
    assert b"Too many sign-in attempts" in page
    server.stop()
    assert client_address not in server.log_path.read_text()
