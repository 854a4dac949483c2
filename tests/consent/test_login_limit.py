"""The dashboard's sign-in is limited per client (CONSENT_LOGIN_RATE_LIMIT, 10 a minute by
default): every POST to the login form counts, right token or wrong, in either language; over the
limit the form answers 429 in the reader's language with Retry-After and compares no token, so even
the right one is refused. Reading the form is never limited, another client keeps its own budget
(behind the proxy, the address the proxy forwards), and the limit is not the one on recording
choices: turning that off leaves this one on."""

from __future__ import annotations

import logging

import pytest

from consent_service.security import PAGE_CSP
from testbed.consent import ADMIN_TOKEN
from testbed.htmltext import Document
from testbed.site import html_problems

WRONG = "not-the-admin-token-at-all"
LOGIN = {"sv": "/admin/login", "en": "/admin/en/login"}
LIMITED = {
    "sv": "För många inloggningsförsök från den här adressen. Vänta en stund och försök igen senare",
    "en": "Too many sign-in attempts from this address. Wait a while and try again later",
}


def attempt(client, token: str = WRONG, language: str = "sv", address: str = "192.0.2.10", **kwargs):
    return client.post(LOGIN[language], data={"token": token},
                       environ_base={"REMOTE_ADDR": address}, **kwargs)


def use_up(client, attempts: int, **kwargs) -> None:
    """Spend a client's budget on wrong tokens, each refused as wrong (401), not as limited."""
    assert [attempt(client, **kwargs).status_code for _ in range(attempts)] == [401] * attempts


@pytest.mark.parametrize("language", ["sv", "en"])
def test_over_the_limit_the_form_answers_429_in_the_readers_language_and_refuses_even_the_right_token(
    make_app, language
):
    client = make_app(CONSENT_LOGIN_RATE_LIMIT="3/minute").test_client()
    use_up(client, 3, language=language)

    refused = attempt(client, language=language)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.mimetype == "text/html", "the page itself, not a JSON error"
    assert refused.headers["Cache-Control"] == "no-store"
    assert refused.headers["Content-Security-Policy"] == PAGE_CSP
    page = Document(refused.get_data(as_text=True))
    assert LIMITED[language] in page.text
    [alert] = page.find("p", role="alert")
    assert alert["id"] == "ps-login-error"
    [form] = page.find("form")
    assert form["action"] == LOGIN[language], "the form is still there, for later"
    assert page.find("html")[0]["lang"] == language

    right = attempt(client, token=ADMIN_TOKEN, language=language)
    assert right.status_code == 429, "the token is not compared while the client is limited"
    assert LIMITED[language] in Document(right.get_data(as_text=True)).text
    assert not [c for c in right.headers.getlist("Set-Cookie") if c.startswith("ps_admin=")]
    assert client.get("/admin/", environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 303


def test_the_default_is_ten_attempts_a_minute_while_recording_choices_is_not_limited(client):
    """The app of the ``client`` fixture sets CONSENT_RATE_LIMIT=off, as many deployments and
    tests do, and leaves CONSENT_LOGIN_RATE_LIMIT at its default."""
    assert client.application.config["CONSENT_RATE_LIMIT"] is None
    use_up(client, 10)
    assert attempt(client).status_code == 429


def test_a_right_token_counts_as_an_attempt_too(make_app):
    app = make_app(CONSENT_LOGIN_RATE_LIMIT="2/minute")
    assert attempt(app.test_client(), token=ADMIN_TOKEN).status_code == 303
    assert attempt(app.test_client(), token=ADMIN_TOKEN).status_code == 303
    assert attempt(app.test_client(), token=ADMIN_TOKEN).status_code == 429


def test_both_languages_share_one_budget(make_app):
    client = make_app(CONSENT_LOGIN_RATE_LIMIT="2/minute").test_client()
    use_up(client, 1, language="sv")
    use_up(client, 1, language="en")
    assert attempt(client, language="sv").status_code == 429
    assert attempt(client, language="en").status_code == 429


def test_another_client_keeps_its_own_budget(make_app):
    client = make_app(CONSENT_LOGIN_RATE_LIMIT="2/minute").test_client()
    use_up(client, 2, address="192.0.2.1")
    assert attempt(client, address="192.0.2.1").status_code == 429
    assert attempt(client, address="192.0.2.2").status_code == 401
    assert attempt(client, token=ADMIN_TOKEN, address="192.0.2.2").status_code == 303


def test_behind_the_proxy_clients_are_told_apart_by_the_address_it_forwards(make_app):
    client = make_app(CONSENT_LOGIN_RATE_LIMIT="2/minute", CONSENT_PROXY_HOPS=1).test_client()

    def through_proxy(forwarded_for: str, token: str = WRONG):
        return attempt(client, token=token, address="127.0.0.1",
                       headers={"X-Forwarded-For": forwarded_for})

    assert [through_proxy("198.51.100.1").status_code for _ in range(3)] == [401, 401, 429]
    assert through_proxy("198.51.100.2", token=ADMIN_TOKEN).status_code == 303


def test_a_forwarded_address_no_proxy_vouches_for_does_not_reset_the_budget(make_app):
    client = make_app(CONSENT_LOGIN_RATE_LIMIT="2/minute").test_client()
    statuses = [attempt(client, headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
                for n in range(3)]
    assert statuses == [401, 401, 429], "without CONSENT_PROXY_HOPS the header is not believed"


def test_reading_the_form_is_never_limited_and_does_not_spend_the_budget(make_app):
    client = make_app(CONSENT_LOGIN_RATE_LIMIT="2/minute").test_client()
    for path in (*LOGIN.values(), *LOGIN.values()) * 5:
        assert client.get(path, environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 200
    use_up(client, 2)
    assert attempt(client).status_code == 429
    for path in LOGIN.values():
        assert client.get(path, environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 200


def test_off_removes_the_limit(make_app):
    limited = make_app(CONSENT_LOGIN_RATE_LIMIT="2/minute").test_client()
    unlimited = make_app(CONSENT_LOGIN_RATE_LIMIT="off").test_client()
    assert [attempt(limited).status_code for _ in range(3)] == [401, 401, 429]
    use_up(unlimited, 30)
    assert attempt(unlimited, token=ADMIN_TOKEN).status_code == 303


@pytest.mark.parametrize("recording", ["off", "1/minute"])
def test_the_limit_is_its_own_whatever_the_limit_on_recording_choices(make_app, make_body, recording):
    client = make_app(CONSENT_RATE_LIMIT=recording, CONSENT_LOGIN_RATE_LIMIT="2/minute").test_client()
    use_up(client, 2, address="127.0.0.1")
    assert client.post("/api/v1/consents", json=make_body()).status_code == 201, (
        "signing in spent none of the budget for recording choices")
    assert attempt(client, address="127.0.0.1").status_code == 429
    assert client.post("/api/v1/consents", json=make_body()).status_code == (
        201 if recording == "off" else 429), "and recording keeps its own"


def test_without_the_token_configured_there_is_nothing_to_limit(make_app):
    with_token = make_app(CONSENT_LOGIN_RATE_LIMIT="2/minute").test_client()
    without = make_app(CONSENT_ADMIN_TOKEN="", CONSENT_LOGIN_RATE_LIMIT="2/minute").test_client()
    assert [attempt(with_token).status_code for _ in range(3)] == [401, 401, 429]
    assert [attempt(without).status_code for _ in range(5)] == [404] * 5, "no dashboard, no sign of one"


def test_the_refusal_is_valid_html(make_app, tmp_path):
    client = make_app(CONSENT_LOGIN_RATE_LIMIT="1/minute").test_client()
    use_up(client, 1)
    for language in LOGIN:
        refused = attempt(client, language=language)
        assert refused.status_code == 429
        (tmp_path / f"{language}.html").write_bytes(refused.get_data())
    assert html_problems([tmp_path / f"{language}.html" for language in LOGIN]) == ""


def test_a_breach_is_logged_for_operators_without_the_clients_address(make_app, caplog) -> None:
    client = make_app(CONSENT_LOGIN_RATE_LIMIT="1/minute").test_client()
    use_up(client, 1, address="198.51.100.77")
    with caplog.at_level(logging.INFO, logger="flask-limiter"):
        assert attempt(client, address="198.51.100.77").status_code == 429
    lines = [record.getMessage() for record in caplog.records if record.name == "flask-limiter"]
    assert any("exceeded" in line for line in lines), lines
    assert not [line for line in lines if "198.51.100.77" in line]
