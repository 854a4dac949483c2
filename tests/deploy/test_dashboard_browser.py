"""The dashboard through nginx from deploy/, in Debian's Chromium: signing in by the form sets an
HttpOnly, Secure, SameSite=Strict cookie for /admin/ only; the page passes its Content-Security-
Policy and axe-core in both languages; the range form and the CSV download work, and the CSV's
numbers are those of an export of the same days; signing out ends it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from testbed.choice import choice_body, manifest_entry
from testbed.consent import ADMIN_TOKEN
from testbed.production import Production, through_nginx
from testbed.site import AXE_VIOLATIONS

pytestmark = pytest.mark.browser

WATCH = """
window.psCspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => window.psCspViolations.push(
  `${event.violatedDirective} blocked ${event.blockedURI || "inline"}`));
"""


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    """The stack's certificate is its own: Chromium is told to accept it."""
    return {**browser_context_args, "ignore_https_errors": True, "accept_downloads": True}


@pytest.fixture
def watched(page):
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.context.add_init_script(WATCH)
    return page, problems


def clean(page, problems: list[str], axe_source: str) -> list:
    """What is wrong on the page as it is: CSP violations, console errors, axe violations."""
    page.evaluate(axe_source)  # evaluated, not a <script>: the page's CSP stays as served
    found = [*page.evaluate("window.psCspViolations"), *problems, *page.evaluate(AXE_VIOLATIONS)]
    problems.clear()
    return found


def exported(production: Production, first: str, last: str) -> list[dict]:
    answer = through_nginx(production, f"/api/v1/audit/export?from={first}&to={last}",
                           headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert answer.status == 200
    return [json.loads(line) for line in answer.body.splitlines()]


def test_signing_in_browsing_downloading_and_signing_out_through_nginx(
    watched, production: Production, axe_source: str
) -> None:
    page, problems = watched
    body = json.dumps(choice_body(manifest_entry(production.link, "2026-11-01"))).encode()
    origin = f"https://127.0.0.1:{production.https_port}"
    for _ in range(3):
        answer = through_nginx(production, "/api/v1/consents", method="POST", body=body,
                               headers={"Content-Type": "application/json", "Origin": origin})
        assert answer.status == 201

    page.goto(production.url + "admin/en/")
    assert page.url == production.url + "admin/en/login"
    assert clean(page, problems, axe_source) == [], "the login page"
    page.get_by_label("Admin token").fill("not the token")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").is_visible()
    own_status = "Failed to load resource: the server responded with a status of 401 ()"
    assert clean(page, problems, axe_source) == [f"console error: {own_status}"], (
        "the login page saying the token is wrong, with the status that says so")
    assert page.context.cookies() == []

    page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    assert page.url.startswith(production.url + "admin/en/")
    assert ADMIN_TOKEN not in page.url
    [cookie] = page.context.cookies()
    assert (cookie["name"], cookie["path"], cookie["httpOnly"], cookie["secure"], cookie["sameSite"]) == (
        "ps_admin", "/admin/", True, True, "Strict")
    assert cookie["expires"] == -1, "a session cookie: it ends with the browser"
    assert page.get_by_role("heading", name="Consent statistics", level=1).is_visible()
    assert clean(page, problems, axe_source) == [], "the English dashboard"

    today = dt.datetime.now(dt.UTC).date()
    first = (today - dt.timedelta(days=6)).isoformat()
    page.get_by_label("First day").fill(first)
    page.get_by_label("Last day").fill(today.isoformat())
    page.get_by_role("button", name="Show").click()
    assert page.url == f"{production.url}admin/en/?from={first}&to={today}"
    assert page.locator("svg.ps-chart").count() == 5
    assert page.locator("table tbody tr").first.is_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download these numbers (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    numbers = {(row["table"], row["group"], row["measure"]): row["value"] for row in rows}
    records = [r for r in exported(production, first, today.isoformat()) if r["type"] == "consent"]
    assert int(numbers[("all", "all", "choices")]) == len(records) >= 3
    actions = Counter(record["action"] for record in records)
    for action in ("accept_all", "reject_all", "custom", "withdraw"):
        assert int(numbers[("all", "all", action)]) == actions[action], action

    page.get_by_role("link", name="Svenska").click()
    assert page.url == f"{production.url}admin/?from={first}&to={today}"
    assert page.get_by_role("heading", name="Samtyckesstatistik", level=1).is_visible()
    assert clean(page, problems, axe_source) == [], "the Swedish dashboard"

    page.get_by_role("button", name="Logga ut").click()
    assert page.url == production.url + "admin/login"
    assert page.context.cookies() == []
    page.goto(production.url + "admin/")
    assert page.url == production.url + "admin/login", "signed out for good"
