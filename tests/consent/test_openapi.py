"""The OpenAPI 3.1 document: served, complete, and the very schema the service validates with."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from consent_service.schema import consent_request_validator, openapi_document


@pytest.fixture
def database_url(tmp_path):
    return f"sqlite:///{tmp_path / 'consent.sqlite3'}"


def component_validator(document: dict, name: str) -> Draft202012Validator:
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:openapi", resource)
    return Draft202012Validator({"$ref": f"urn:openapi#/components/schemas/{name}"}, registry=registry)


def test_the_document_is_served_as_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "/api/v1"}]


def test_the_request_schema_published_is_the_one_validating_requests(client):
    published = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["ConsentRequest"]
    assert consent_request_validator().schema == published


def documented_path(rule: str) -> str:
    """A route as the document names its path: Werkzeug writes a parameter <name>, OpenAPI {name}."""
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.removeprefix("/api/v1"))


def test_every_api_route_is_documented_and_every_documented_path_exists(app):
    documented = {
        (path, method.upper())
        for path, operations in openapi_document()["paths"].items()
        for method in operations
    }
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            for method in rule.methods - {"HEAD"}:
                served.add((documented_path(rule.rule), method))
    assert served == documented


def test_every_operation_documents_exactly_the_query_parameters_its_endpoint_reads(app):
    paths = openapi_document()["paths"]
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            declared = app.view_functions[rule.endpoint].declared_query.openapi()
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                operation = paths[documented_path(rule.rule)][method.lower()]
                query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
                assert query == declared, rule.rule


def test_all_component_schemas_are_valid_json_schema():
    for schema in openapi_document()["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_real_responses_match_their_documented_schemas(client, make_body, admin_headers):
    document = openapi_document()
    created = client.post("/api/v1/consents", json=make_body())
    component_validator(document, "ConsentCreated").validate(created.get_json())
    log = client.get("/api/v1/me/consents").get_json()
    component_validator(document, "VisitorLog").validate(log)
    verify = client.get("/api/v1/audit/verify", headers=admin_headers).get_json()
    component_validator(document, "VerifyResult").validate(verify)
    component_validator(document, "Health").validate(client.get("/api/v1/health").get_json())
    error = client.get("/api/v1/me/consents", headers={"Authorization": "Bearer x"}).get_json()
    component_validator(document, "Error").validate(error)
