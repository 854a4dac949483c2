"""A choice made while the consent service is unreachable applies at once, waits in the browser,
and reaches the service exactly once when a later page loads.

This module owns its server, since it stops and restarts it (same port, same database).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from banner_fixtures import (
    ConsentServer,
    cookie_names,
    demo_runs,
    first_layer,
    my_records,
    recorded,
    settings_layer,
    stored_choice,
)

pytestmark = pytest.mark.browser

QUEUE = "localStorage.getItem('ps_consent_queue')"
QUEUE_EMPTY = f"() => {QUEUE} === null"  # a function: the site's CSP forbids eval


@pytest.fixture(scope="module")
def server(built_site: Path, tmp_path_factory: pytest.TempPathFactory):
    consent = ConsentServer(built_site, tmp_path_factory.mktemp("consent")).start()
    yield consent
    consent.stop()


@pytest.fixture
def outage(server: ConsentServer):
    """Call it to take the service down; it is back up after the test in any case."""
    yield server.stop
    if server.process is None:
        server.start()


def queued(page) -> list[dict]:
    return page.evaluate(f"JSON.parse({QUEUE}) || []")


def test_choices_made_during_an_outage_apply_at_once_and_are_sent_once_afterwards(
    page, server: ConsentServer, outage
) -> None:
    page.goto(server.url + "en/demo/")
    outage()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))

    first_layer(page, "accept").click()
    page.wait_for_function("() => document.cookie.includes('ps_consent=')")
    assert demo_runs(page) == ["statistics", "media"], "the choice applies without the service"
    page.evaluate("psConsent.open()")
    page.locator("#ps-consent-media").uncheck()
    settings_layer(page, "save").click()
    assert [item["b"]["action"] for item in queued(page)] == ["accept_all", "custom"]
    assert "ps_visitor" not in cookie_names(page)
    assert failed and all("/api/v1/" in url for url in failed), "only the service was unreachable"

    server.start()
    posts: list[str] = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    page.goto(server.url + "en/")
    page.wait_for_function(QUEUE_EMPTY)
    for path in ("en/about/", "en/demo/", ""):
        page.goto(server.url + path)
    assert len(posts) == 2

    records = my_records(page, server)
    assert [r["action"] for r in records] == ["custom", "accept_all"], "in order, one visitor"
    assert records[0]["categories"] == {"necessary": True, "statistics": True, "media": False}
    assert stored_choice(page)["c"] == ["necessary", "statistics"]
    assert demo_runs(page) == []  # on the home page there is nothing to run
    page.goto(server.url + "en/demo/")
    assert demo_runs(page) == ["statistics"]


def test_two_tabs_send_a_queued_choice_only_once(context, server: ConsentServer, outage) -> None:
    page = context.new_page()
    page.goto(server.url)
    outage()
    first_layer(page, "reject").click()
    assert len(queued(page)) == 1
    server.start()

    posts: list[str] = []

    def slow_service(route) -> None:
        posts.append(route.request.url)
        time.sleep(0.5)  # the first tab's request is still on its way when the second tab loads
        route.continue_()

    context.route("**/api/v1/consents", slow_service)
    page.reload(wait_until="commit")
    other = context.new_page()
    other.goto(server.url + "about/")
    for tab in (page, other):
        tab.wait_for_function(QUEUE_EMPTY)
    assert len(posts) == 1
    assert [r["action"] for r in my_records(page, server)] == ["reject_all"]


def test_a_temporary_server_error_keeps_the_choice_for_the_next_page(page, server: ConsentServer) -> None:
    page.route("**/api/v1/consents", lambda route: route.fulfill(
        status=503, content_type="application/json",
        body='{"error": {"code": "database_unavailable", "message": "Try again later."}}'))
    page.goto(server.url + "en/")
    with page.expect_response("**/api/v1/consents") as answer:
        first_layer(page, "reject").click()
    assert answer.value.status == 503
    assert len(queued(page)) == 1
    assert my_records(page, server) == []

    page.unroute("**/api/v1/consents")
    page.goto(server.url + "en/about/")
    page.wait_for_function(QUEUE_EMPTY)
    assert [r["action"] for r in my_records(page, server)] == ["reject_all"]


def test_a_choice_the_service_rejects_as_invalid_is_not_retried_forever(page, server: ConsentServer) -> None:
    page.route("**/api/v1/consents", lambda route: route.fulfill(
        status=422, content_type="application/json",
        body='{"error": {"code": "hash_mismatch", "message": "inventory does not match"}}'))
    page.goto(server.url + "en/")
    with page.expect_response("**/api/v1/consents"):
        first_layer(page, "reject").click()
    page.wait_for_function(QUEUE_EMPTY)
    assert stored_choice(page)["c"] == ["necessary"], "the visitor's choice still applies"


def test_a_choice_whose_answer_was_lost_is_looked_up_not_sent_again(page, server: ConsentServer) -> None:
    """The service stored the choice but the browser never heard back (connection cut)."""
    page.goto(server.url + "en/")
    recorded(page, first_layer(page, "accept").click)

    def stored_but_cut(route) -> None:
        assert route.fetch().status == 201
        route.abort("connectionreset")

    page.route("**/api/v1/consents", stored_but_cut)
    page.evaluate("psConsent.open()")
    with page.expect_event("requestfailed"):
        settings_layer(page, "reject").click()
    assert [item.get("s") for item in queued(page)] == [-1]
    page.unroute("**/api/v1/consents")

    posts: list[str] = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    page.goto(server.url + "en/about/")
    page.wait_for_function(QUEUE_EMPTY)
    page.goto(server.url + "en/")
    assert posts == []
    assert [r["action"] for r in my_records(page, server)] == ["withdraw", "accept_all"]
