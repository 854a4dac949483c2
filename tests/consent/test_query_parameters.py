"""Query parameters: every endpoint reads them the same way, and refuses with a 400 naming the
parameter what it cannot read, instead of answering as if the parameter were absent."""

from __future__ import annotations

import pytest

from testbed.consent import ADMIN_TOKEN

API = "/api/v1/"


def api_operations(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, rule.rule


def test_every_api_endpoint_refuses_a_parameter_it_does_not_take(app, admin_headers):
    operations = list(api_operations(app))
    assert len(operations) >= 6
    client = app.test_client()
    for method, path in operations:
        response = client.open(f"{path}?utm_source=newsletter", method=method, headers=admin_headers)
        assert response.status_code == 400, (method, path)
        error = response.get_json()["error"]
        assert (error["code"], error["field"]) == ("unknown_parameter", "utm_source"), (method, path)


def test_an_endpoint_without_parameters_says_so(client):
    error = client.get("/api/v1/audit/verify?verbose=1",
                       headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).get_json()["error"]
    assert error["message"] == "Unknown query parameter 'verbose'; this endpoint takes no query parameters."


def test_a_refused_parameter_stores_nothing(client, make_body, storage):
    response = client.post("/api/v1/consents?source=gpc", json=make_body())
    assert response.status_code == 400
    assert list(storage.iter_records()) == []


def test_the_rate_limited_endpoint_still_reads_its_parameters(make_app, make_body):
    client = make_app(CONSENT_RATE_LIMIT="5/minute").test_client()
    assert client.post("/api/v1/consents?x=1", json=make_body()).status_code == 400
    assert client.post("/api/v1/consents", json=make_body()).status_code == 201


@pytest.mark.parametrize("query", ["?withdrawn=", "?withdrawn=yes", "?withdrawn=1&withdrawn=1"])
def test_the_log_page_refuses_a_withdrawn_flag_it_cannot_read(client, query):
    response = client.get(f"/consent-log{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("invalid_parameter", "withdrawn")


def test_the_log_page_ignores_parameters_a_link_may_carry(client):
    response = client.get("/en/consent-log?utm_source=newsletter&withdrawn=1")
    assert response.status_code == 200
    assert "Your consent is withdrawn" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--to", "2026-W49-1"], "'2026-W49-1' is not a day written YYYY-MM-DD (UTC)"),
        (["--from", "2026-1-5"], "'2026-1-5' is not a day written YYYY-MM-DD (UTC)"),
        (["--from", ""], "'' is not a day written YYYY-MM-DD (UTC)"),
        (["--from", "2026-02-01", "--to", "2026-01-01"], "from (2026-02-01) is after to (2026-01-01)"),
    ],
)
def test_the_export_command_reads_days_as_the_export_endpoint_does(runner, arguments, message):
    result = runner.invoke(args=["consent", "export", *arguments])
    assert result.exit_code == 2
    assert message in result.output
