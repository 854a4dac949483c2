"""The dashboard at /admin/ (Swedish) and /admin/en/ (English): signing in with the admin token
for an HttpOnly, SameSite=Strict session and out again, forms only from this origin, the date
range read strictly, and numbers that equal counts made from an export of the same days."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter

import pytest

from consent_service.security import PAGE_CSP
from testbed.consent import ADMIN_TOKEN, CURRENT, as_choice, clocked_storage
from testbed.htmltext import Document
from testbed.site import html_problems

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
TODAY = dt.datetime.now(dt.UTC).date()


def sign_in(client, token: str = ADMIN_TOKEN, path: str = "/admin/login", **kwargs):
    return client.post(path, data={"token": token}, **kwargs)


@pytest.fixture
def signed_in(client):
    assert sign_in(client).status_code == 303
    return client


def session_cookie(response) -> str | None:
    return next((value for value in response.headers.getlist("Set-Cookie") if value.startswith("ps_admin=")),
                None)


# Signing in and out -----------------------------------------------------------------------------

def test_without_the_token_configured_there_is_no_dashboard(make_app):
    client = make_app(CONSENT_ADMIN_TOKEN="").test_client()
    for path in ("/admin/", "/admin/en/", "/admin/login", "/admin/figures.csv"):
        assert client.get(path).status_code == 404, path
    assert sign_in(client).status_code == 404


def test_the_dashboard_asks_to_sign_in_with_a_form_that_keeps_the_token_out_of_the_url(client):
    for page, login in (("/admin/", "/admin/login"), ("/admin/en/", "/admin/en/login")):
        response = client.get(page)
        assert (response.status_code, response.headers["Location"]) == (303, login)
    page = Document(client.get("/admin/login").get_data(as_text=True))
    [form] = page.find("form")
    assert (form["method"], form["action"]) == ("post", "/admin/login")
    [token] = [attrs for attrs in page.find("input") if attrs.get("name") == "token"]
    assert (token["type"], token["autocomplete"]) == ("password", "current-password")
    assert "Logga in" in page.text and "ps_admin" in page.text
    assert "Sign in" in Document(client.get("/admin/en/login").get_data(as_text=True)).text


def test_the_right_token_opens_an_httponly_strict_session_for_the_dashboard_only(client):
    response = sign_in(client, path="/admin/en/login")
    assert (response.status_code, response.headers["Location"]) == (303, "/admin/en/")
    cookie = session_cookie(response)
    assert cookie is not None
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "path"} <= attributes and "secure" not in attributes, "plain HTTP: not Secure"
    assert "Path=/admin/" in cookie and "SameSite=Strict" in cookie
    assert "Expires" not in cookie, "it ends with the browser"
    assert ADMIN_TOKEN not in cookie, "the token itself is never in the cookie"
    assert client.get("/admin/en/").status_code == 200
    assert client.get("/admin/login").headers["Location"] == "/admin/", "signed in already"


def test_over_https_the_session_cookie_is_secure(app):
    client = app.test_client()
    response = sign_in(client, base_url="https://policy.example.se")
    assert "Secure" in session_cookie(response)


def test_a_wrong_token_is_refused_and_sets_nothing(client):
    response = sign_in(client, token="not-the-admin-token-at-all")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="consent"'
    assert session_cookie(response) is None
    page = Document(response.get_data(as_text=True))
    assert "Det är inte administratörstoken" in page.text
    assert client.get("/admin/").status_code == 303


def test_a_session_of_another_token_does_not_open_the_dashboard(make_app):
    before = make_app(CONSENT_ADMIN_TOKEN="the-token-before-it-was-changed").test_client()
    cookie = session_cookie(sign_in(before, token="the-token-before-it-was-changed"))
    after = make_app().test_client()
    after.set_cookie("ps_admin", cookie.split(";")[0].split("=", 1)[1], path="/admin/")
    assert after.get("/admin/").status_code == 303, "a new token ends every session"


def test_signing_out_ends_the_session_and_needs_the_sessions_own_form_token(signed_in):
    page = Document(signed_in.get("/admin/").get_data(as_text=True))
    [form] = [attrs for attrs in page.find("form") if attrs.get("action") == "/admin/logout"]
    assert form["method"] == "post"
    [csrf] = [attrs["value"] for attrs in page.find("input") if attrs.get("name") == "csrf"]
    assert signed_in.post("/admin/logout", data={"csrf": "forged", "language": "sv"}).status_code == 403
    assert signed_in.get("/admin/").status_code == 200, "still signed in"
    response = signed_in.post("/admin/logout", data={"csrf": csrf, "language": "en"})
    assert (response.status_code, response.headers["Location"]) == (303, "/admin/en/login")
    assert "ps_admin=;" in session_cookie(response), "the cookie is expired"
    assert signed_in.get("/admin/").status_code == 303


def test_forms_from_another_site_are_refused(client):
    assert sign_in(client, headers={"Origin": "https://evil.example"}).status_code == 403
    assert sign_in(client, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert sign_in(client, headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
                   ).status_code == 303


# The page ----------------------------------------------------------------------------------------

def test_the_pages_are_private_and_run_no_inline_code(signed_in):
    for path in ("/admin/", "/admin/en/", "/admin/login"):
        client = signed_in if path != "/admin/login" else signed_in.application.test_client()
        response = client.get(path)
        assert response.headers["Content-Security-Policy"] == PAGE_CSP, path
        assert response.headers["Cache-Control"] == "no-store", path
        assert "<script" not in response.get_data(as_text=True), "no script is needed"


def test_the_page_is_in_swedish_and_in_english_with_a_chart_and_a_table_for_each_figure(signed_in):
    swedish = Document(signed_in.get("/admin/").get_data(as_text=True))
    english = Document(signed_in.get("/admin/en/").get_data(as_text=True))
    assert "Samtyckesstatistik" in swedish.text and "Godkännande per valfri kategori" in swedish.text
    assert "Consent statistics" in english.text and "Acceptance per optional category" in english.text
    assert [attrs.get("href") for attrs in english.find("a") if attrs.get("hreflang") == "sv"] == [
        f"/admin/?from={TODAY - dt.timedelta(days=29)}&to={TODAY}"]
    links = {attrs.get("href") for attrs in english.find("a")}
    assert {"/admin/en/", "/en/"} <= links, "the header leads to the dashboard, the footer to the policy"
    svgs = english.find("svg")
    assert len(svgs) == 5 and all(attrs["aria-hidden"] == "true" for attrs in svgs), (
        "screen readers read the table instead")
    tags = [tag for tag, _ in english.elements if tag in ("svg", "table")]
    assert tags[0] == "table", "the summary"
    assert tags[1:] == ["svg", "table"] * 5, "every chart is followed by a table of its numbers"


def test_the_default_range_is_the_last_thirty_utc_days(signed_in):
    page = Document(signed_in.get("/admin/en/").get_data(as_text=True))
    values = {attrs["name"]: attrs["value"] for attrs in page.find("input") if attrs.get("type") == "date"}
    assert values == {"from": (TODAY - dt.timedelta(days=29)).isoformat(), "to": TODAY.isoformat()}
    assert len([attrs for attrs in page.find("time")]) == 30


@pytest.mark.parametrize(("query", "message"), [
    ("from=2026-W49-1", "Datumen går inte att läsa"),
    ("to=2026-12-01&to=2026-12-02", "Datumen går inte att läsa"),
    ("to=", "Datumen går inte att läsa"),
    ("from=2026-12-02&to=2026-12-01", "Den första dagen ligger efter den sista."),
    ("from=2025-01-01&to=2026-12-01", "Välj högst 366 dagar."),
])
def test_a_range_that_cannot_be_read_says_so_in_the_readers_language(signed_in, query, message):
    response = signed_in.get(f"/admin/?{query}")
    assert response.status_code == 400
    page = Document(response.get_data(as_text=True))
    assert message in page.text
    assert not page.find("svg"), "no numbers for a range that was not asked for"
    assert signed_in.get(f"/admin/figures.csv?{query}").status_code == 400


def test_the_pages_are_valid_html(signed_in, app, make_body, tmp_path):
    signed_in.post("/api/v1/consents", json=make_body("accept_all"))
    pages = {
        "sv.html": signed_in.get("/admin/"),
        "en.html": signed_in.get("/admin/en/"),
        "error.html": signed_in.get("/admin/?from=x"),
        "login.html": app.test_client().get("/admin/login"),
        "wrong.html": sign_in(app.test_client(), token="wrong-wrong-wrong-wrong"),
    }
    for name, response in pages.items():
        (tmp_path / name).write_bytes(response.get_data())
    assert html_problems([tmp_path / name for name in pages]) == ""


# The numbers --------------------------------------------------------------------------------------

def choose(app, make_body, moment: dt.datetime, kind: str, source: str = "banner") -> None:
    storage = clocked_storage(app, moment)
    try:
        storage.append_consent(as_choice(make_body(kind, source=source)), visitor_id=None)
    finally:
        storage.dispose()


@pytest.fixture
def history(app, make_body):
    """Choices over ten days, the first and last of them outside the range asked for."""
    start = dt.datetime.combine(TODAY - dt.timedelta(days=9), dt.time(), tzinfo=dt.UTC)
    plan = ["accept_all", "custom", "reject_all", "withdraw", "reject_all", "accept_all", "custom"]
    for day in range(10):
        for n, kind in enumerate(plan[: 2 + day % 5]):
            source = "gpc" if kind == "reject_all" and n % 2 else "banner"
            choose(app, make_body, start + dt.timedelta(days=day, hours=n * 3), kind, source)
    return (TODAY - dt.timedelta(days=8)).isoformat(), (TODAY - dt.timedelta(days=1)).isoformat()


def counts_from_export(lines: list[dict]) -> dict[tuple[str, str, str], int]:
    """The same numbers counted plainly from the exported records, as an auditor would."""
    counts: Counter = Counter()
    for record in lines:
        if record["type"] != "consent":
            continue
        day = record["recorded_at"][:10]
        for table, group in (("all", "all"), ("day", day), ("version", record["policy"]["version"])):
            counts[(table, group, "choices")] += 1
            counts[(table, group, record["action"])] += 1
            counts[(table, group, "gpc")] += record["source"] == "gpc"
            for category in ("statistics", "media"):
                counts[(table, group, f"offered:{category}")] += 1
                counts[(table, group, f"accepted:{category}")] += record["categories"][category]
    return counts


def csv_numbers(response) -> dict[tuple[str, str, str], int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    reader = csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    assert reader.fieldnames == ["table", "group", "measure", "value"]
    return {(row["table"], row["group"], row["measure"]): int(row["value"])
            for row in reader if row["table"] not in ("range", "site")}


def test_the_numbers_equal_counts_from_an_export_of_the_same_days(signed_in, history, runner):
    first, last = history
    exported = signed_in.get(f"/api/v1/audit/export?from={first}&to={last}", headers=ADMIN)
    lines = [json.loads(line) for line in exported.get_data(as_text=True).splitlines()]
    assert len(lines) > 20
    from_csv = csv_numbers(signed_in.get(f"/admin/figures.csv?from={first}&to={last}"))
    expected = counts_from_export(lines)
    assert {key: value for key, value in from_csv.items() if value} == +expected
    assert from_csv[("all", "all", "choices")] == len(lines)

    command = runner.invoke(args=["consent", "export", "--from", first, "--to", last])
    assert [json.loads(line) for line in command.output.splitlines()] == lines, "the same export"


def test_the_page_shows_the_numbers_the_csv_gives(signed_in, history):
    first, last = history
    numbers = csv_numbers(signed_in.get(f"/admin/figures.csv?from={first}&to={last}", headers=ADMIN))
    page = Document(signed_in.get(f"/admin/en/?from={first}&to={last}").get_data(as_text=True)).text
    choices = numbers[("all", "all", "choices")]
    assert f"Choices {choices}" in page
    share = numbers[("all", "all", "accepted:statistics")] / numbers[("all", "all", "offered:statistics")]
    assert f"Statistics {numbers[('all', 'all', 'accepted:statistics')]} {choices} {share:.1%}" in page
    assert f"Version {CURRENT}" in page
    withdrawals = numbers[("all", "all", "withdraw")]
    assert f"turned every one off: {withdrawals} in these days" in page
    assert re.search(rf"http://localhost \(the policy site\) {choices} {withdrawals}", page), (
        "records without a site are the policy site's")


def test_the_csv_is_a_download_for_the_session_or_the_bearer_token(app, signed_in):
    response = signed_in.get("/admin/figures.csv?from=2026-11-01&to=2026-11-30")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="consent-figures-2026-11-01-2026-11-30.csv"')
    assert response.headers["Cache-Control"] == "no-store"
    stranger = app.test_client()
    assert stranger.get("/admin/figures.csv", headers=ADMIN).status_code == 200
    assert stranger.get("/admin/figures.csv").headers["Location"] == "/admin/login"
    assert stranger.get("/admin/figures.csv", headers={"Authorization": "Bearer wrong"}).status_code == 401
