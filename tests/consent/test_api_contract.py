"""The OpenAPI document is a promise the service keeps, on a service that serves the site built
from this repository: every documented example is accepted; every status an operation answers
is documented, with its body and headers; and every documented status is one it answers."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from consent_service.app import create_app
from consent_service.records import metadata
from consent_service.schema import openapi_document
from consent_service.services import services
from testbed.consent import ADMIN_TOKEN as ADMIN
from testbed.consent import as_choice, clocked_storage

API = "/api/v1"
ALLOWED = "https://www.example.se"
ELSEWHERE = "https://elsewhere.example"
WRONG_CREDENTIAL = "Bearer 0123456789abcdef0123456789abcdef.wrong-secret-wrong-secret-wrong-secret-wro"
README = Path(__file__).resolve().parents[2] / "README.md"
KEY = "Idempotency-Key"


@pytest.fixture(scope="module")
def site_dir(built_site: Path) -> Path:
    """The site built from this repository's policy sources, as a deployment serves it."""
    return built_site


# --- reading the document ---------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any] = field(repr=False, compare=False)

    @property
    def url(self) -> str:
        return API + self.path

    def required_query(self) -> str:
        """A well-formed query for the parameters the operation requires (tree sizes: 1)."""
        names = [p["name"] for p in self.spec.get("parameters", []) if p["in"] == "query" and p["required"]]
        return "?" + "&".join(f"{name}=1" for name in names) if names else ""

    @property
    def documented(self) -> set[int]:
        return {int(status) for status in self.spec["responses"]}

    def response(self, status: int) -> tuple[dict[str, Any], str] | None:
        """The documented response for ``status`` and its JSON pointer, if documented."""
        spec = self.spec["responses"].get(str(status))
        path = self.path.replace("~", "~0").replace("/", "~1")
        return (spec, f"#/paths/{path}/{self.method.lower()}/responses/{status}") if spec else None

    def example(self) -> Any:
        content = self.spec.get("requestBody", {}).get("content", {})
        return content["application/json"]["example"] if content else None

    def credentials(self, visitor: str) -> dict[str, str]:
        """What a well-behaved client sends: nothing when the operation allows it."""
        alternatives = self.spec.get("security", [{}])
        if {} in alternatives:
            return {}
        scheme = next(iter(alternatives[0]))
        return {"Authorization": f"Bearer {ADMIN if scheme == 'adminBearer' else visitor}"}


def documented_operations() -> list[Operation]:
    return [
        Operation(method.upper(), path, spec)
        for path, item in openapi_document()["paths"].items()
        for method, spec in item.items()
    ]


def resolved(node: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str]:
    """Follow a ``$ref`` inside the document; returns the node and its JSON pointer."""
    document = openapi_document()
    while "$ref" in node:
        pointer = node["$ref"]
        node = document
        for part in pointer.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, pointer


def schema_validator(pointer: str) -> Draft202012Validator:
    resource = Resource.from_contents(openapi_document(), default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:openapi", resource)
    return Draft202012Validator({"$ref": f"urn:openapi{pointer}"}, registry=registry)


def check_documented_response(response_spec: dict[str, Any], pointer: str, response: Any) -> None:
    """The answer has the documented headers, media type and body."""
    spec, pointer = resolved(response_spec, pointer)
    for header in spec.get("headers", {}):
        if header != "Set-Cookie":
            assert header in response.headers, header
    content = spec.get("content")
    if not content:
        assert response.get_data() == b""
        return
    assert response.mimetype in content
    if response.mimetype == "application/json":
        media = response.mimetype.replace("/", "~1")
        schema_pointer = f"{pointer}/content/{media}/schema"
        schema_validator(schema_pointer).validate(response.get_json())


def json_paths(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from json_paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from json_paths(value, (*path, str(index)))


# --- examples ---------------------------------------------------------------------------


def test_the_only_examples_in_the_document_are_request_bodies():
    """So that the next test, which posts every request body example, sees all of them."""
    places = [path for path in json_paths(openapi_document()) if path[-1] in ("example", "examples")]
    assert places
    for place in places:
        assert place[0] == "paths" and place[3:6] == ("requestBody", "content", "application/json"), place


def test_every_request_example_in_the_document_is_accepted(client, storage):
    examples = [operation for operation in documented_operations() if operation.example() is not None]
    assert examples
    for operation in examples:
        response = client.open(operation.url, method=operation.method, json=operation.example())
        assert response.status_code == 201, response.get_data(as_text=True)
    recorded = list(storage.iter_records())
    assert [record["policy"] for record in recorded] == [op.example()["policy"] for op in examples]


def test_the_readme_example_of_recording_a_choice_is_accepted(client, storage):
    section = README.read_text(encoding="utf-8").split("#### Recording a choice")[1]
    [request] = re.findall(r"```http\n(.*?)```", section.split("####")[0], re.DOTALL)
    head, body = request.split("\n\n", 1)
    start, *lines = head.splitlines()
    method, path = start.split()
    headers = dict(line.split(": ", 1) for line in lines)
    assert "Idempotency-Key" in headers
    for _ in range(2):
        response = client.open(path, method=method, data=body, headers=headers)
        assert response.status_code == 201, response.get_data(as_text=True)
    assert len(list(storage.iter_records())) == 1, "sent twice with its key, recorded once"


# --- statuses ---------------------------------------------------------------------------


class Service:
    """The service in every circumstance the walk needs, all over one database."""

    def __init__(self, make_app: Callable[..., Any], app_config: dict[str, Any], tmp_path: Path) -> None:
        unbuilt = tmp_path / "unbuilt-site"
        unbuilt.mkdir()
        self.app = make_app(CONSENT_ALLOWED_ORIGINS=ALLOWED)
        keyless = create_app({**app_config, "CONSENT_LOG_KEY_FILE": str(tmp_path / "no-such.key")})
        keyless.test_client_class = self.app.test_client_class
        self.keyless = keyless
        self.clients = {
            "normal": self.app.test_client(),
            "rate limited": make_app(CONSENT_RATE_LIMIT="1/minute").test_client(),
            "audit off": make_app(CONSENT_ADMIN_TOKEN="").test_client(),
            "site not built": make_app(CONSENT_SITE_DIR=str(unbuilt)).test_client(),
            "key missing": keyless.test_client(),
        }
        [poster] = [operation for operation in documented_operations() if operation.example() is not None]
        created = self.clients["normal"].post(poster.url, json=poster.example())
        self.visitor = re.match(r"ps_visitor=([^;]+);", created.headers["Set-Cookie"]).group(1)
        # A key recorded with another choice than the example: sending the example with it conflicts.
        other = {**poster.example(), "action": "accept_all",
                 "categories": dict.fromkeys(poster.example()["categories"], True)}
        self.used_key = '"0123456789abcdef0123456789abcdef"'
        recorded = self.clients["normal"].post(poster.url, json=other, headers={KEY: self.used_key})
        assert recorded.status_code == 201
        # A choice made three days ago that no purge has seen since: the purge is overdue.
        earlier = clocked_storage(self.app, dt.datetime.now(dt.UTC) - dt.timedelta(days=3))
        try:
            earlier.append_consent(as_choice(poster.example()), visitor_id=None)
        finally:
            earlier.dispose()
        storage = services(self.app).storage
        storage.integrate_all()
        self.record_id = created.get_json()["id"]

    def send(
        self,
        operation: Operation,
        *,
        client: str = "normal",
        credentials: bool = True,
        headers: dict[str, str] | None = None,
        query: str = "",
        record: str | None = None,
        **body: Any,
    ) -> Any:
        """The operation as a well-behaved client sends it, with what the caller changes."""
        sent = operation.credentials(self.visitor) if credentials else {}
        sent.update(headers or {})
        if not body and operation.example() is not None:
            body = {"json": operation.example()}
        url = operation.url.replace("{record_id}", record or self.record_id)
        return self.clients[client].open(
            url + (query or operation.required_query()), method=operation.method, headers=sent, **body
        )

    def preflight(self, operation: Operation, origin: str) -> Any:
        """A browser's question before a cross-origin call; only OPTIONS answers it."""
        if operation.method != "OPTIONS":
            return None
        other = next(method for method in ("POST", "GET") if method.lower() in self.methods(operation))
        headers = {"Origin": origin, "Access-Control-Request-Method": other}
        return self.send(operation, headers=headers)

    @staticmethod
    def methods(operation: Operation) -> set[str]:
        return set(openapi_document()["paths"][operation.path])

    def tamper(self) -> None:
        with services(self.app).storage.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE consent_records SET action = 'withdraw' WHERE leaf_index = 0")

    def drop_tables(self) -> None:
        metadata.drop_all(services(self.app).storage.engine)


def parameters_query(operation: Operation, value: Callable[[str], str]) -> str:
    parameters = operation.spec.get("parameters", [])
    names = [parameter["name"] for parameter in parameters if parameter["in"] == "query"]
    return "?" + "&".join(value(name) for name in names) if names else ""


# Each circumstance applies to every operation alike; the order keeps the destructive ones last.
CIRCUMSTANCES: dict[str, Callable[[Service, Operation], Any]] = {
    "as documented": lambda s, op: s.send(op),
    "without credentials": lambda s, op: s.send(op, credentials=False),
    "with a wrong credential": lambda s, op: s.send(op, headers={"Authorization": WRONG_CREDENTIAL}),
    "with a parameter it does not take": lambda s, op: s.send(op, query="?unexpected=1"),
    "with every parameter empty": lambda s, op: s.send(op, query=parameters_query(op, "{}=".format)),
    "with every parameter twice": lambda s, op: s.send(
        op, query=parameters_query(op, lambda name: f"{name}=csv&{name}=csv")
    ),
    "from an allowed origin": lambda s, op: s.send(op, headers={"Origin": ALLOWED}),
    "from another origin": lambda s, op: s.send(op, headers={"Origin": ELSEWHERE}),
    "preflight from an allowed origin": lambda s, op: s.preflight(op, ALLOWED),
    "preflight from another origin": lambda s, op: s.preflight(op, ELSEWHERE),
    "with a body that is not JSON": lambda s, op: s.send(op, data=b"{", content_type="application/json"),
    "with a plain-text body": lambda s, op: s.send(op, data=b"accept", content_type="text/plain"),
    "with a body over the limit": lambda s, op: s.send(op, data=b" " * 5000, content_type="application/json"),
    "with a body that is no choice": lambda s, op: s.send(op, json={}),
    "with an unquoted idempotency key": lambda s, op: s.send(op, headers={KEY: "0123456789abcdef" * 2}),
    "with an idempotency key used for another choice": lambda s, op: s.send(op, headers={KEY: s.used_key}),
    "asked strictly while the purge is overdue": lambda s, op: s.send(op, query="?strict=1"),
    "over the rate limit": lambda s, op: [s.send(op, client="rate limited") for _ in range(2)][-1],
    "while the audit endpoints are off": lambda s, op: s.send(op, client="audit off"),
    "while the site is not built": lambda s, op: s.send(op, client="site not built"),
    "while the log's signing key is missing": lambda s, op: s.send(op, client="key missing"),
    "for a record that is not the caller's": lambda s, op: s.send(op, record="not-a-record-of-yours"),
    "after a record was edited": lambda s, op: (s.tamper(), s.send(op))[1],
    "while the database has no tables": lambda s, op: (s.drop_tables(), s.send(op))[1],
}


def test_every_operation_answers_exactly_the_statuses_it_documents(make_app, app_config, tmp_path):
    service = Service(make_app, app_config, tmp_path)
    try:
        _walk_every_status(service)
    finally:
        services(service.keyless).storage.dispose()


def _walk_every_status(service: Service) -> None:
    operations = documented_operations()
    observed: dict[Operation, set[int]] = {operation: set() for operation in operations}
    for circumstance, provoke in CIRCUMSTANCES.items():
        for operation in operations:
            response = provoke(service, operation)
            if response is None:
                continue
            status = response.status_code
            observed[operation].add(status)
            documented = operation.response(status)
            assert documented, f"{operation.method} {operation.path}, {circumstance}: {status} undocumented"
            check_documented_response(*documented, response)
    for operation in operations:
        # An unforeseen failure can meet any request: the next test provokes one.
        assert 500 in operation.documented, operation
        assert operation.documented - {500} == observed[operation], operation


def test_an_unforeseen_failure_answers_the_documented_internal_error_and_is_logged(
    make_app, caplog
):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    created = client.post(f"{API}/consents", json=next(
        op.example() for op in documented_operations() if op.example() is not None
    ))
    assert created.status_code == 201
    with services(app).storage.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE consent_records SET categories = 'not json'")
    response = client.get(f"{API}/me/consents")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    [operation] = [op for op in documented_operations() if (op.method, op.path) == ("GET", "/me/consents")]
    check_documented_response(*operation.response(500), response)
    assert any(record.levelno >= logging.ERROR for record in caplog.records)


def test_a_path_the_document_does_not_list_answers_the_documented_404(client):
    response = client.get(f"{API}/consent")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    check_documented_response({"$ref": "#/components/responses/NotFound"}, "", response)


def test_a_method_a_path_does_not_list_answers_the_documented_405_with_the_methods_it_does(client):
    for path, item in openapi_document()["paths"].items():
        listed = {method.upper() for method in item} | ({"HEAD"} if "get" in item else set())
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - listed:
            response = client.open(API + path, method=method, headers={"Authorization": f"Bearer {ADMIN}"})
            assert response.status_code == 405, (method, path)
            assert response.get_json()["error"]["code"] == "method_not_allowed"
            assert set(response.headers["Allow"].split(", ")) == listed
            check_documented_response({"$ref": "#/components/responses/MethodNotAllowed"}, "", response)


def test_the_document_says_where_unlisted_paths_and_methods_are_answered():
    description = openapi_document()["info"]["description"]
    assert "`NotFound`" in description and "`MethodNotAllowed`" in description
