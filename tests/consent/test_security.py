"""Security headers on every response, CORS only for configured origins, the rate limit,
and secrets kept out of the logs."""

from __future__ import annotations

import logging
import re

import pytest

from consent_service.security import API_CSP, COMMON_HEADERS, INLINE_SNIPPET_CSP, PAGE_CSP, SITE_CSP
from testbed.consent import ADMIN_TOKEN

ALLOWED = "https://www.example.se"


@pytest.fixture
def cors_client(make_app):
    app = make_app(CONSENT_ALLOWED_ORIGINS=f"{ALLOWED}, https://example.se")
    return app.test_client()


RESPONSES = {
    "site page": ("GET", "/", SITE_CSP),
    "site 404": ("GET", "/missing/", SITE_CSP),
    "site redirect": ("GET", "/en", SITE_CSP),
    "consent log": ("GET", "/consent-log", PAGE_CSP),
    "log script": ("GET", "/_consent/consent-log.js", SITE_CSP),
    "health": ("GET", "/api/v1/health", API_CSP),
    "openapi": ("GET", "/api/v1/openapi.json", API_CSP),
    "api 401": ("GET", "/api/v1/me/consents", API_CSP),
    "api 404": ("GET", "/api/v1/nothing", API_CSP),
    "api 405": ("GET", "/api/v1/consents", API_CSP),
    "api 415": ("POST", "/api/v1/consents", API_CSP),
}


@pytest.mark.parametrize("kind", RESPONSES)
def test_every_response_carries_the_security_headers(client, kind):
    method, path, csp = RESPONSES[kind]
    response = client.open(path, method=method)
    for name, value in COMMON_HEADERS.items():
        assert response.headers[name] == value
    assert response.headers["Content-Security-Policy"] == csp
    assert "Strict-Transport-Security" not in response.headers


def test_a_recorded_choice_carries_them_too(client, make_body):
    response = client.post("/api/v1/consents", json=make_body())
    assert response.status_code == 201
    assert response.headers["Content-Security-Policy"] == API_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_hsts_is_sent_over_https(client):
    response = client.get("/", base_url="https://consent.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_the_site_csp_allows_no_inline_code_and_the_api_csp_allows_nothing():
    assert "unsafe-inline" not in SITE_CSP
    assert "script-src 'self';" in SITE_CSP
    assert "frame-ancestors 'none'" in SITE_CSP
    assert API_CSP.startswith("default-src 'none'")
    assert "unsafe-inline" not in PAGE_CSP


@pytest.mark.parametrize("path", ["/demo/", "/en/demo/", "/demo/index.html"])
def test_only_the_demonstration_of_inline_snippets_may_run_inline_script(client, path):
    csp = client.get(path).headers["Content-Security-Policy"]
    assert csp == INLINE_SNIPPET_CSP
    assert csp == SITE_CSP.replace("script-src 'self';", "script-src 'self' 'unsafe-inline';")
    assert client.get(path.replace("demo", "about")).headers["Content-Security-Policy"] == SITE_CSP


def test_api_responses_are_not_cached(client):
    assert client.get("/api/v1/me/consents").headers["Cache-Control"] == "no-store"


def test_an_allowed_origin_may_call_the_api_with_credentials(cors_client, make_body):
    response = cors_client.post("/api/v1/consents", json=make_body(), headers={"Origin": ALLOWED})
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in response.headers["Vary"]


def test_a_preflight_from_an_allowed_origin_is_answered(cors_client):
    response = cors_client.options(
        "/api/v1/consents",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


def test_a_preflight_from_another_origin_is_refused(cors_client):
    response = cors_client.options(
        "/api/v1/consents",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_post_from_another_origin_is_refused_and_stores_nothing(cors_client, make_body, app):
    response = cors_client.post(
        "/api/v1/consents", json=make_body(), headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_post_from_the_service_own_origin_is_accepted(client, make_body):
    response = client.post("/api/v1/consents", json=make_body(), headers={"Origin": "http://localhost"})
    assert response.status_code == 201
    assert "Access-Control-Allow-Origin" not in response.headers


def test_without_configured_origins_no_cors_header_is_sent(client, make_body):
    response = client.get("/api/v1/health", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_the_audit_endpoints_are_never_cross_origin(cors_client):
    response = cors_client.get(
        "/api/v1/audit/verify", headers={"Origin": ALLOWED, "Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


AUDIT_PATHS = ("/api/v1/audit/export", "/api/v1/audit/verify")


@pytest.mark.parametrize("path", AUDIT_PATHS)
def test_options_on_an_audit_endpoint_lists_its_methods_without_a_token_as_everywhere(client, path):
    response = client.options(path)
    assert response.status_code == 200
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert response.get_data() == b""
    assert client.options("/api/v1/me/consents").status_code == 200
    assert client.get(path).status_code == 401


@pytest.mark.parametrize("path", AUDIT_PATHS)
def test_options_on_an_audit_endpoint_that_is_off_answers_404_like_every_method(make_app, path):
    client = make_app(CONSENT_ADMIN_TOKEN="").test_client()
    response = client.options(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "audit_disabled"


@pytest.mark.parametrize("path", AUDIT_PATHS)
def test_a_preflight_to_an_audit_endpoint_is_refused_without_credentials_even_from_an_allowed_origin(
    cors_client, path
):
    response = cors_client.options(
        path,
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "origin_not_allowed"
    assert "never called from a browser on another origin" in error["message"]
    assert not [name for name, _ in response.headers if name.startswith("Access-Control-")]


def test_the_rate_limit_refuses_a_client_over_its_budget(make_app, make_body, storage):
    client = make_app(CONSENT_RATE_LIMIT="2/minute").test_client()
    statuses = [client.post("/api/v1/consents", json=make_body()).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    refused = client.post("/api/v1/consents", json=make_body())
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in refused.headers
    assert len(list(storage.iter_records())) == 2


def test_the_rate_limit_counts_each_client_separately(make_app, make_body):
    client = make_app(CONSENT_RATE_LIMIT="1/minute").test_client()
    first = client.post("/api/v1/consents", json=make_body(), environ_base={"REMOTE_ADDR": "192.0.2.1"})
    second = client.post("/api/v1/consents", json=make_body(), environ_base={"REMOTE_ADDR": "192.0.2.2"})
    assert (first.status_code, second.status_code) == (201, 201)


def test_the_no_javascript_withdraw_shares_the_budget(make_app, make_body):
    client = make_app(CONSENT_RATE_LIMIT="1/minute").test_client()
    assert client.post("/api/v1/consents", json=make_body()).status_code == 201
    assert client.post("/consent-log", data={"action": "withdraw"}).status_code == 429


def test_reading_is_not_rate_limited(make_app, make_body):
    client = make_app(CONSENT_RATE_LIMIT="1/minute").test_client()
    client.post("/api/v1/consents", json=make_body())
    assert {client.get("/api/v1/me/consents").status_code for _ in range(5)} == {200}


def test_rate_limit_off_allows_many_choices(client, make_body):
    assert {client.post("/api/v1/consents", json=make_body()).status_code for _ in range(35)} == {201}


def test_secrets_never_reach_the_logs(app, make_body, storage, caplog):
    caplog.set_level(logging.DEBUG)
    browser = app.test_client()
    created = browser.post("/api/v1/consents", json=make_body())
    credential = re.match(r"ps_visitor=([^;]+);", created.headers["Set-Cookie"]).group(1)
    secret = credential.split(".")[1]
    other = app.test_client()
    other.get("/api/v1/me/consents", headers={"Authorization": f"Bearer {credential}"})
    other.get("/api/v1/me/consents", headers={"Authorization": f"Bearer {credential[:-2]}xx"})
    other.get("/api/v1/audit/export", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    other.get("/api/v1/audit/verify", headers={"Authorization": f"Bearer {ADMIN_TOKEN[:-1]}"})
    with storage.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE consent_records")
    failed = other.get("/api/v1/me/consents", headers={"Authorization": f"Bearer {credential}"})
    assert failed.status_code == 503
    assert caplog.records, "the database failure should have been logged"
    for text in (caplog.text, failed.get_data(as_text=True)):
        assert secret not in text
        assert secret[:-2] not in text
        assert ADMIN_TOKEN not in text
        assert ADMIN_TOKEN[:-1] not in text
