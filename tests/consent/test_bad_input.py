"""Bad input to POST /api/v1/consents: a clear 4xx JSON error naming the field, nothing stored,
and the service still answering afterwards."""

from __future__ import annotations

import io
import json

import pytest

from testbed.consent import CURRENT, SUPERSEDED, policy_hash, shown_hash


@pytest.fixture
def assert_refused(client, storage):
    """Post raw bytes; check the error shape, that nothing was stored, that the service is up."""

    def check(raw: bytes, *, status: int, code: str, field: str | None = None, content_type=None):
        response = client.post(
            "/api/v1/consents",
            data=raw,
            headers={"Content-Type": content_type or "application/json"},
        )
        assert response.status_code == status, response.get_data(as_text=True)
        assert response.mimetype == "application/json"
        error = response.get_json()["error"]
        assert error["code"] == code
        assert error["message"]
        assert error.get("field") == field
        if field:
            assert field.split(".")[0] in error["message"]
        assert list(storage.iter_records()) == []
        assert client.get("/api/v1/health").status_code == 200
        return error

    return check


def encode(body) -> bytes:
    return json.dumps(body).encode("utf-8")


def test_an_unknown_top_level_field(assert_refused, make_body):
    assert_refused(encode(make_body(ip="1.2.3.4")), status=422, code="unknown_field", field="ip")


def test_an_unknown_nested_field(assert_refused, make_body):
    body = make_body()
    body["policy"]["url"] = "/"
    assert_refused(encode(body), status=422, code="unknown_field", field="policy.url")


@pytest.mark.parametrize("field", ["action", "categories", "policy", "inventory", "source"])
def test_a_missing_field(assert_refused, make_body, field):
    body = make_body()
    del body[field]
    assert_refused(encode(body), status=422, code="missing_field", field=field)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("action", ["accept_all"]),
        ("categories", ["necessary"]),
        ("policy", "2026-03-01"),
        ("inventory", None),
        ("source", True),
    ],
)
def test_a_wrong_type(assert_refused, make_body, field, value):
    assert_refused(encode(make_body(**{field: value})), status=422, code="wrong_type", field=field)


def test_a_category_that_is_not_a_boolean(assert_refused, make_body):
    body = make_body(categories={"necessary": True, "statistics": "yes", "media": False})
    assert_refused(encode(body), status=422, code="wrong_type", field="categories.statistics")


@pytest.mark.parametrize(
    ("field", "value"),
    [("action", "accept_some"), ("source", "email")],
)
def test_a_value_outside_the_enumeration(assert_refused, make_body, field, value):
    assert_refused(encode(make_body(**{field: value})), status=422, code="invalid_value", field=field)


def test_a_malformed_hash(assert_refused, make_body):
    body = make_body(inventory="XYZ")
    assert_refused(encode(body), status=422, code="invalid_value", field="inventory")


def test_an_unknown_category(assert_refused, make_body):
    body = make_body(categories={"necessary": True, "statistics": True, "media": False, "ads": False})
    assert_refused(encode(body), status=422, code="unknown_category", field="categories.ads")


def test_a_category_of_the_inventory_left_out(assert_refused, make_body):
    body = make_body(categories={"necessary": True, "statistics": True})
    assert_refused(encode(body), status=422, code="missing_category", field="categories.media")


def test_a_required_category_set_to_false(assert_refused, make_body):
    body = make_body(categories={"necessary": False, "statistics": True, "media": False})
    assert_refused(encode(body), status=422, code="required_category", field="categories.necessary")


@pytest.mark.parametrize(
    ("action", "categories", "field"),
    [
        ("accept_all", {"necessary": True, "statistics": True, "media": False}, "categories.media"),
        ("reject_all", {"necessary": True, "statistics": True, "media": False}, "categories.statistics"),
        ("withdraw", {"necessary": True, "statistics": False, "media": True}, "categories.media"),
    ],
)
def test_categories_that_contradict_the_action(assert_refused, make_body, action, categories, field):
    body = make_body(action, categories=categories)
    assert_refused(encode(body), status=422, code="contradicts_action", field=field)


def test_a_gpc_signal_recorded_as_an_acceptance(assert_refused, make_body):
    body = make_body("accept_all", source="gpc")
    assert_refused(encode(body), status=422, code="contradicts_action", field="source")


def test_an_unknown_version(assert_refused, make_body):
    body = make_body(policy={"version": "2020-01-01", "language": "sv", "sha256": "a" * 64,
                             "text_sha256": "b" * 64})
    assert_refused(encode(body), status=422, code="unknown_version", field="policy.version")


def test_a_language_the_version_is_not_published_in(assert_refused, make_body):
    body = make_body(policy={"version": CURRENT, "language": "de", "sha256": policy_hash(CURRENT, "sv"),
                                                                   "text_sha256": shown_hash(CURRENT, "sv")})
    assert_refused(encode(body), status=422, code="unknown_language", field="policy.language")


def test_a_policy_hash_that_does_not_match(assert_refused, make_body):
    body = make_body(policy={"version": CURRENT, "language": "sv", "sha256": policy_hash(CURRENT, "en"),
                                                                   "text_sha256": shown_hash(CURRENT, "en")})
    assert_refused(encode(body), status=422, code="hash_mismatch", field="policy.sha256")


def test_an_inventory_hash_that_does_not_match(assert_refused, make_body):
    body = make_body(inventory="e" * 64)
    assert_refused(encode(body), status=422, code="hash_mismatch", field="inventory")


def test_the_hash_of_another_version(assert_refused, make_body):
    body = make_body(policy={"version": CURRENT, "language": "sv",
                             "sha256": policy_hash(SUPERSEDED, "sv"),
                             "text_sha256": shown_hash(SUPERSEDED, "sv")})
    assert_refused(encode(body), status=422, code="hash_mismatch", field="policy.sha256")


def test_the_source_hash_with_another_shown_text(assert_refused, make_body):
    """A visitor shown another text (other facts, another cookie table) is refused: what is
    hashed is what was shown."""
    body = make_body(policy={"version": CURRENT, "language": "sv", "sha256": policy_hash(CURRENT, "sv"),
                             "text_sha256": shown_hash(SUPERSEDED, "sv")})
    assert_refused(encode(body), status=422, code="hash_mismatch", field="policy.text_sha256")


@pytest.mark.parametrize("raw", [b"{", b"action=accept_all", b"{'action': 'custom'}", b"[1,]"])
def test_a_body_that_is_not_json(assert_refused, raw):
    assert_refused(raw, status=400, code="invalid_json")


def test_an_empty_body(assert_refused):
    assert_refused(b"", status=400, code="invalid_json")


def test_a_body_that_is_not_an_object(assert_refused):
    assert_refused(b'["accept_all"]', status=422, code="wrong_type")


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
    ],
)
def test_a_wrong_content_type(assert_refused, make_body, content_type):
    assert_refused(encode(make_body()), status=415, code="unsupported_media_type", content_type=content_type)


def test_a_missing_content_type(client, storage, make_body):
    response = client.post("/api/v1/consents", data=encode(make_body()))
    assert response.status_code == 415
    assert list(storage.iter_records()) == []


def test_a_body_over_the_size_limit(assert_refused, make_body):
    body = make_body()
    body["policy"]["padding"] = "x" * 5000
    assert_refused(encode(body), status=413, code="body_too_large")


def test_a_streamed_body_over_the_size_limit_without_content_length(client, storage):
    """As gunicorn passes a chunked request: no Content-Length, input marked as terminated."""
    big = b'{"action": "' + b"x" * 10_000 + b'"}'
    response = client.post(
        "/api/v1/consents",
        input_stream=io.BytesIO(big),
        headers={"Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "body_too_large"
    assert list(storage.iter_records()) == []


@pytest.mark.parametrize("depth", [5, 40, 600])
def test_deep_nesting(assert_refused, depth):
    raw = b'{"categories":' + b'{"a":' * depth + b"true" + b"}" * depth + b"}"
    assert_refused(raw, status=400, code="too_deep")


def test_deeply_nested_arrays(assert_refused):
    assert_refused(b"[" * 2000 + b"]" * 2000, status=400, code="too_deep")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"action": "accept_all\xff"}',
        b'{"action": "\xc3\x28"}',
        b"\xef\xbb\xbf" + b"\xfe\xff",
        '{"action": "custom"}'.encode("utf-16"),
    ],
)
def test_invalid_utf8(assert_refused, raw):
    assert_refused(raw, status=400, code="invalid_encoding")


def test_a_lone_surrogate_escape_is_refused_by_the_schema(assert_refused, make_body):
    raw = encode(make_body()).replace(b'"banner"', b'"\\ud800"')
    assert_refused(raw, status=422, code="invalid_value", field="source")


@pytest.mark.parametrize(
    "number",
    [b"1e999999", b"9" * 3000, b"-1e309", b"NaN", b"Infinity", b"123456789012345678901234567890.5"],
)
def test_huge_numbers(assert_refused, make_body, number):
    raw = encode(make_body()).replace(b'"banner"', number)
    error = assert_refused(raw, status=422, code="wrong_type", field="source")
    assert "number" in error["message"]


def test_a_huge_number_as_a_category_value(assert_refused, make_body):
    raw = encode(make_body()).replace(b'"media": false', b'"media": 1e999999')
    assert_refused(raw, status=422, code="wrong_type", field="categories.media")


def test_a_duplicated_key(assert_refused, make_body):
    raw = encode(make_body("reject_all")).replace(
        b'{"action": "reject_all"', b'{"action": "accept_all", "action": "reject_all"'
    )
    assert_refused(raw, status=400, code="duplicate_key", field="action")


def test_too_many_categories(assert_refused, make_body):
    categories = {f"c{i}": False for i in range(40)}
    body = encode(make_body(categories=categories))
    assert_refused(body, status=422, code="invalid_value", field="categories")


def test_a_category_id_that_is_not_an_id(assert_refused, make_body):
    body = make_body(categories={"necessary": True, "Statistics!": True, "media": False})
    assert_refused(encode(body), status=422, code="unknown_category", field="categories.Statistics!")
