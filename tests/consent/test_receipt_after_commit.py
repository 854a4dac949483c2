"""A receipt promises a record the database already holds: it is signed after the record's
transaction committed, so the signature never keeps the next writer waiting either."""

from __future__ import annotations

from sqlalchemy import text

from consent_service import storage as storage_module
from consent_service.storage import Storage
from policy_core.receipt import make_receipt
from testbed.consent import as_choice


def test_a_receipt_is_signed_only_once_its_record_is_committed(app, storage, make_body, monkeypatch):
    elsewhere = Storage(app.config["CONSENT_DATABASE_URL"])
    found_while_signing = []

    def signing(signer, record_id, record_hash, time):
        with elsewhere.engine.connect() as conn:
            found_while_signing.append(conn.execute(
                text("SELECT hash FROM consent_records WHERE id = :id"), {"id": record_id}).scalar())
        return make_receipt(signer, record_id, record_hash, time)

    monkeypatch.setattr(storage_module, "make_receipt", signing)
    try:
        appended = storage.append_consent(as_choice(make_body("reject_all")), visitor_id=None)
    finally:
        elsewhere.dispose()
    assert found_while_signing == [appended.hash]
    assert appended.receipt["hash"] == appended.hash
