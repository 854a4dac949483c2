"""A 201 from the production server (gunicorn 'consent_service.app:create_app()') means the record
is on disk: it survives kill -9 of every server process, on SQLite and PostgreSQL."""

from __future__ import annotations

from consent_service.storage import Storage


def test_every_record_answered_201_survives_kill_9_of_the_server(
    start_gunicorn, http, make_body, app, admin_headers
):
    server = start_gunicorn(workers=2)
    answered = []
    for kind in ("accept_all", "custom", "reject_all", "withdraw") * 3:
        status, _, body = http("POST", f"{server.url}/api/v1/consents", make_body(kind))
        assert status == 201
        answered.append(body)
    server.kill_hard()

    survivor = Storage(app.config["CONSENT_DATABASE_URL"], key_file=app.config["CONSENT_LOG_KEY_FILE"])
    try:
        stored = {record["id"]: record for record in survivor.iter_records()}
        report = survivor.verify()
    finally:
        survivor.dispose()
    for body in answered:
        assert stored[body["id"]]["hash"] == body["hash"]
        assert stored[body["id"]]["sequence"] == body["sequence"]
    assert report.ok
    assert report.head == answered[-1]["hash"]


def test_the_restarted_server_carries_on_the_same_chain(start_gunicorn, http, make_body, admin_headers):
    first = start_gunicorn(workers=1)
    status, _, before = http("POST", f"{first.url}/api/v1/consents", make_body())
    first.kill_hard()
    second = start_gunicorn(workers=1)
    status, _, after = http("POST", f"{second.url}/api/v1/consents", make_body())
    assert (status, after["sequence"]) == (201, before["sequence"] + 1)
    _, _, report = http("GET", f"{second.url}/api/v1/audit/verify", headers=admin_headers)
    assert report == {"ok": True, "records": 2, "head": after["hash"]}
