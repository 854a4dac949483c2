"""Choices from the company's other sites: only the origins in CONSENT_ALLOWED_ORIGINS may record
one, each record names the site it was made on (from the request's Origin header, never from
the body), the export and the visitor's log show it, and the banner's files are for any page."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from consent_service.config import ConfigError
from consent_service.security import COMMON_HEADERS
from testbed.consent import CURRENT, version_entry, write_site
from testbed.htmltext import element_text

WWW = "https://www.example.se"
PORTAL = "https://portal.example.se:8443"
OWN = "http://localhost"
"""The test client's own origin: Flask's test requests go to http://localhost/."""
API = "/api/v1/consents"


@pytest.fixture
def sites(make_app):
    return make_app(CONSENT_ALLOWED_ORIGINS=f"{WWW}, {PORTAL}").test_client()


def records(client, admin_headers) -> list[dict]:
    response = client.get("/api/v1/audit/export", headers=admin_headers)
    assert response.status_code == 200
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


@pytest.mark.parametrize("origin", [WWW, PORTAL])
def test_a_choice_from_an_allowed_origin_names_that_site(sites, make_body, admin_headers, origin):
    response = sites.post(API, json=make_body("accept_all"), headers={"Origin": origin})
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    [record] = records(sites, admin_headers)
    assert record["site"] == origin
    [mine] = sites.get("/api/v1/me/consents").get_json()["records"]
    assert {key: value for key, value in mine.items() if key != "proof"} == record


def test_a_choice_on_the_service_own_pages_names_its_own_origin(sites, make_body, admin_headers):
    assert sites.post(API, json=make_body("reject_all"), headers={"Origin": OWN}).status_code == 201
    assert sites.post(API, json=make_body("reject_all")).status_code == 201, "a client without Origin"
    assert [r["site"] for r in records(sites, admin_headers)] == [OWN, OWN]


def test_the_site_is_never_taken_from_the_body(sites, make_body, admin_headers):
    response = sites.post(API, json=make_body("accept_all", site=WWW), headers={"Origin": OWN})
    assert response.status_code == 422
    assert (response.get_json()["error"]["code"], response.get_json()["error"]["field"]) == (
        "unknown_field", "site")
    assert records(sites, admin_headers) == []


@pytest.mark.parametrize("origin", ["https://evil.example", "https://example.se", "http://www.example.se",
                                    "https://portal.example.se", "null"])
def test_any_other_origin_cannot_record_and_nothing_is_stored(
    sites, make_body, admin_headers, storage, origin
):
    response = sites.post(API, json=make_body("accept_all"), headers={"Origin": origin})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Set-Cookie" not in response.headers
    assert records(sites, admin_headers) == []
    with storage.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM visitors").scalar_one() == 0
    preflight = sites.options(API, headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 403
    assert not [name for name, _ in preflight.headers if name.startswith("Access-Control-")]


def test_a_preflight_from_an_allowed_origin_allows_credentials_and_the_banner_headers(sites):
    response = sites.options(API, headers={
        "Origin": WWW, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, idempotency-key"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == WWW
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"content-type", "idempotency-key"} <= allowed


def test_the_site_is_part_of_the_hashed_record(sites, make_body, admin_headers, storage):
    sites.post(API, json=make_body("accept_all"), headers={"Origin": WWW})
    storage.integrate_all()
    assert sites.get("/api/v1/audit/verify", headers=admin_headers).get_json()["ok"] is True
    with storage.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE consent_records SET site = '{PORTAL}'")
    verify = sites.get("/api/v1/audit/verify", headers=admin_headers)
    assert (verify.status_code, verify.get_json()["broken_at"]) == (409, 0)


def test_the_csv_export_has_the_site(sites, make_body, admin_headers):
    sites.post(API, json=make_body("accept_all"), headers={"Origin": WWW})
    response = sites.get("/api/v1/audit/export?format=csv", headers=admin_headers)
    [row] = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert row["site"] == WWW


@pytest.mark.parametrize("path, heading", [("/consent-log", "Webbplats"), ("/en/consent-log", "Site")])
def test_the_visitor_log_shows_the_site_of_each_choice(sites, make_body, path, heading):
    sites.post(API, json=make_body("accept_all"), headers={"Origin": WWW})
    sites.post(API, json=make_body("custom"), headers={"Origin": OWN})
    table = re.sub(r"\s+", " ", element_text(sites.get(path).get_data(as_text=True), "table"))
    assert f" {heading} " in table
    assert table.index(OWN) < table.index(WWW), "newest first, each with its site"


def test_the_no_javascript_withdrawal_names_the_service_own_origin(sites, make_body, admin_headers):
    sites.post(API, json=make_body("accept_all"), headers={"Origin": WWW})
    response = sites.post("/consent-log", data={"action": "withdraw"}, headers={"Origin": OWN})
    assert response.status_code == 303
    assert [(r["action"], r["site"]) for r in records(sites, admin_headers)] == [
        ("accept_all", WWW), ("withdraw", OWN)]


# The banner's own files are for pages on any origin -------------------------------------------

@pytest.fixture
def embedding(make_app, tmp_path):
    site = write_site(tmp_path / "site", [version_entry(CURRENT, "current")])
    for name, text in {"embed/v1/consent.js": "/* banner */", "embed/v1/config.sv.json": "{}"}.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    return make_app(CONSENT_SITE_DIR=str(site)).test_client()


@pytest.mark.parametrize("path", ["/embed/v1/consent.js", "/embed/v1/config.sv.json"])
def test_the_banner_files_may_be_loaded_and_read_by_any_page(embedding, path):
    response = embedding.get(path, headers={"Origin": "https://anyone.example"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response.headers["Cache-Control"] == "no-cache", "revalidated: a new build applies at once"
    for name in set(COMMON_HEADERS) - {"Cross-Origin-Resource-Policy"}:
        assert response.headers[name] == COMMON_HEADERS[name]


def test_everything_else_stays_for_the_policy_origin_alone(embedding):
    response = embedding.get("/", headers={"Origin": "https://anyone.example"})
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "Access-Control-Allow-Origin" not in response.headers


# CONSENT_ALLOWED_ORIGINS --------------------------------------------------------------------

def test_allowed_origins_are_written_as_browsers_write_origin_headers(make_app, make_body, admin_headers):
    client = make_app(CONSENT_ALLOWED_ORIGINS="HTTPS://WWW.Example.se:443/, http://shop.example.se:80").test_client()
    for origin in ("https://www.example.se", "http://shop.example.se"):
        assert client.post(API, json=make_body("reject_all"), headers={"Origin": origin}).status_code == 201
    assert [r["site"] for r in records(client, admin_headers)] == ["https://www.example.se",
                                                                   "http://shop.example.se"]


@pytest.mark.parametrize("value", ["*", "https://www.example.se:99999", "www.example.se",
                                   "https://www.example.se/wp/"])
def test_an_allowed_origin_that_is_not_one_stops_the_service(make_app, value):
    with pytest.raises(ConfigError, match="CONSENT_ALLOWED_ORIGINS contains .* which is not an origin"):
        make_app(CONSENT_ALLOWED_ORIGINS=value)


@pytest.mark.parametrize("host, domains", [
    ("policy.example.se", {None, "example.se"}),
    ("policy.example.se:8443", {None, "example.se"}),
    ("consent.policy.example.co.uk", {None, "policy.example.co.uk", "example.co.uk", "co.uk"}),
    ("127.0.0.1:8000", {None}),
    ("localhost", {None}),
])
def test_the_no_javascript_withdrawal_forgets_the_choice_kept_for_the_domain_too(
    sites, make_body, host, domains
):
    """A site embedding the banner with data-cookie-domain keeps ps_consent for a parent domain:
    a withdrawal on the policy site forgets it there, so that it holds on every site. (A browser
    refuses a public suffix such as co.uk, so asking costs nothing.)"""
    base = f"http://{host}"
    sites.post(API, json=make_body("accept_all"), base_url=base, headers={"Origin": base})
    response = sites.post("/consent-log", data={"action": "withdraw"}, base_url=base,
                          headers={"Origin": base})
    assert response.status_code == 303
    expired = [header for header in response.headers.getlist("Set-Cookie")
               if header.startswith("ps_consent=;")]
    found = {(re.search(r"Domain=([^;]+)", h, re.I) or [None, None])[1] for h in expired}
    assert found == domains
    assert all("Max-Age=0" in header and "Path=/" in header for header in expired)
