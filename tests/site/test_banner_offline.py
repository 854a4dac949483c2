"""A choice the consent service has not confirmed applies at once, waits in the ps_consent cookie
with its idempotency key, and is recorded exactly once when a later page sends it again: after
an outage, a server error, two tabs sending it together, or an answer lost on its way back.

The module's server (the ``server`` fixture, one per module) is its own, since it stops and
restarts it (same port, same database).
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from testbed.banner import (
    CHOICE_ONLY,
    NOTHING_UNCONFIRMED,
    ConsentServer,
    cookie_names,
    demo_runs,
    first_layer,
    key_of,
    my_records,
    recorded,
    records_with_key,
    settings_layer,
    stored_choice,
    unconfirmed,
    web_storage,
)

pytestmark = pytest.mark.browser

API = "**/api/v1/consents"


@pytest.fixture
def outage(server: ConsentServer):
    """Call it to take the service down; it is back up after the test in any case."""
    yield server.stop
    if server.process is None:
        server.start()


def posts_to_the_service(page) -> list[str]:
    """The keys of every choice the page sends from now on."""
    keys: list[str] = []
    page.on("request", lambda r: r.method == "POST" and r.url.endswith("/api/v1/consents")
            and keys.append(key_of(r)))
    return keys


def test_choices_made_during_an_outage_apply_at_once_and_are_recorded_once_afterwards(
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
    waiting = unconfirmed(page)
    assert [body["action"] for _, body in waiting] == ["accept_all", "custom"]
    assert all(re.fullmatch(r"[0-9a-f]{32}", key) for key, _ in waiting)
    assert waiting[0][0] != waiting[1][0], "each choice has its own key"
    assert "ps_visitor" not in cookie_names(page)
    assert failed and all("/api/v1/" in url for url in failed), "only the service was unreachable"
    assert web_storage(page) == []

    server.start()
    sent = posts_to_the_service(page)
    page.goto(server.url + "en/")
    page.wait_for_function(NOTHING_UNCONFIRMED)
    for path in ("en/about/", "en/demo/", ""):
        page.goto(server.url + path)
    assert sent == [key for key, _ in waiting], "each sent once, in order, with its key"

    records = my_records(page, server)
    assert [r["action"] for r in records] == ["custom", "accept_all"], "in order, one visitor"
    assert records[0]["categories"] == {"necessary": True, "statistics": True, "media": False}
    assert stored_choice(page)["c"] == ["necessary", "statistics"]
    assert demo_runs(page) == []  # on the home page there is nothing to run
    page.goto(server.url + "en/demo/")
    assert demo_runs(page) == ["statistics"]


def test_a_refusal_made_during_an_outage_is_recorded_once_without_an_identifier(
    page, server: ConsentServer, outage
) -> None:
    page.goto(server.url)
    outage()
    first_layer(page, "reject").click()
    [(key, body)] = unconfirmed(page)
    assert body["action"] == "reject_all"

    server.start()
    sent = posts_to_the_service(page)
    page.goto(server.url + "about/")
    page.wait_for_function(NOTHING_UNCONFIRMED)
    page.goto(server.url)
    assert sent == [key]
    [record] = records_with_key(server, key)
    assert (record["action"], record["visitor"]) == ("reject_all", None)
    assert cookie_names(page) == CHOICE_ONLY


def test_two_tabs_sending_one_unconfirmed_choice_record_it_once(
    context, server: ConsentServer, outage
) -> None:
    page = context.new_page()
    page.goto(server.url)
    outage()
    first_layer(page, "reject").click()
    [(key, _)] = unconfirmed(page)
    server.start()

    held: list = []
    context.route(API, lambda route: held.append(route))  # held until both tabs have sent theirs
    page.reload(wait_until="commit")
    while not held:
        page.wait_for_timeout(20)
    other = context.new_page()
    other.goto(server.url + "about/", wait_until="commit")
    while len(held) < 2:
        page.wait_for_timeout(20)
    assert [route.request.headers["idempotency-key"] for route in held] == [f'"{key}"'] * 2
    for route in held:
        route.continue_()
    for tab in (page, other):
        tab.wait_for_function(NOTHING_UNCONFIRMED)
    assert len(records_with_key(server, key)) == 1


def test_a_temporary_server_error_keeps_the_choice_for_the_next_page(page, server: ConsentServer) -> None:
    page.route(API, lambda route: route.fulfill(
        status=503, content_type="application/json",
        body='{"error": {"code": "database_unavailable", "message": "Try again later."}}'))
    page.goto(server.url + "en/")
    with page.expect_response(API) as answer:
        first_layer(page, "reject").click()
    assert answer.value.status == 503
    [(key, _)] = unconfirmed(page)
    assert records_with_key(server, key) == []

    page.unroute(API)
    page.goto(server.url + "en/about/")
    page.wait_for_function(NOTHING_UNCONFIRMED)
    assert [r["action"] for r in records_with_key(server, key)] == ["reject_all"]


def test_a_choice_the_service_rejects_as_invalid_is_not_retried_forever(page, server: ConsentServer) -> None:
    page.route(API, lambda route: route.fulfill(
        status=422, content_type="application/json",
        body='{"error": {"code": "hash_mismatch", "message": "inventory does not match"}}'))
    page.goto(server.url + "en/")
    with page.expect_response(API):
        first_layer(page, "reject").click()
    page.wait_for_function(NOTHING_UNCONFIRMED)
    assert stored_choice(page)["c"] == ["necessary"], "the visitor's choice still applies"


def test_a_first_choice_whose_answer_was_lost_is_recorded_once_and_its_identifier_arrives(
    page, server: ConsentServer
) -> None:
    """The service stored the very first choice of this browser, but the connection broke before
    the 201 (and the ps_visitor cookie in it) came back. The next page sends it again with the
    same key: still one record, and the browser gets the identifier that choice created."""
    stored: list[dict] = []

    def stored_but_cut(route) -> None:
        request = urllib.request.Request(
            server.url + "api/v1/consents", data=route.request.post_data_buffer, method="POST",
            headers={"Content-Type": "application/json",
                     "Idempotency-Key": route.request.headers["idempotency-key"]})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201
            stored.append(json.loads(response.read()))
        route.abort("connectionreset")

    page.route(API, stored_but_cut)
    page.goto(server.url + "en/demo/")
    with page.expect_event("requestfailed"):
        first_layer(page, "accept").click()
    [(key, _)] = unconfirmed(page)
    assert "ps_visitor" not in cookie_names(page)
    assert demo_runs(page) == ["statistics", "media"]
    page.unroute(API)

    sent = posts_to_the_service(page)
    page.goto(server.url + "en/about/")
    page.wait_for_function(NOTHING_UNCONFIRMED)
    page.goto(server.url + "en/")
    assert sent == [key], "sent again, with the same key"
    [record] = records_with_key(server, key)
    assert record["id"] == stored[0]["id"], "recorded once"
    [mine] = my_records(page, server)
    assert (mine["id"], mine["visitor"]) == (record["id"], stored[0]["visitor"]), "the identifier arrived"

    page.evaluate("psConsent.open()")
    recorded(page, settings_layer(page, "reject").click)
    assert [(r["action"], r["visitor"]) for r in my_records(page, server)] == [
        ("withdraw", record["visitor"]), ("accept_all", record["visitor"])]
