"""A visitor's own consent log: JSON at ``/api/v1/me/consents``, HTML at ``/consent-log``.

The visitor is identified by the ``ps_visitor`` cookie or a bearer credential,
never by anything in the URL, so one visitor cannot ask for another's log.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, g, jsonify, redirect, render_template, request

from policy_core.cookies import CONSENT_COOKIE
from policy_core.languages import LANGUAGE_NAMES, LANGUAGES
from policy_core.manifest import PublishedVersion
from policy_core.urls import VISITOR_LOG_ENDPOINT, consent_log_url, prefix, version_url
from policy_core.versions import History

from .built_site import SiteNotBuilt
from .choice import InvalidChoice, check_choice
from .credentials import COOKIE_NAME, authenticate, presented_credential, unauthorized
from .errors import ApiError
from .i18n import format_moment
from .idempotency import FORM_FIELD, KeyReused, key_from_form
from .metrics import count_appended
from .query import OneOf, Parameter, Query, reads_query
from .receipts import visitor_receipt
from .records import parse_timestamp
from .security import page_origin, use_page_csp
from .services import services

PAGE_PATHS = {lang: "/" + consent_log_url(lang) for lang in LANGUAGES}
HOME_PATHS = {lang: "/" + prefix(lang) for lang in LANGUAGES}
PAGE_QUERY = Query(
    (Parameter("withdrawn", OneOf(("1",)), "1 after a withdrawal: the page confirms it."),),
    refuse_unknown=False,
)

bp = Blueprint("log", __name__)


@bp.get(VISITOR_LOG_ENDPOINT)
@reads_query()
def my_consents() -> Response:
    credential, _ = presented_credential(request)
    visitor_id = authenticate(services().storage, credential)
    if visitor_id is None:
        raise unauthorized()
    records, checkpoint = services().storage.records_for_visitor(visitor_id)
    response = jsonify({"visitor": visitor_id, "records": records, "checkpoint": checkpoint})
    response.cache_control.no_store = True
    response.vary.update(("Cookie", "Authorization"))
    return response


@bp.get(VISITOR_LOG_ENDPOINT + "/<record_id>/receipt")
@reads_query()
def my_receipt(record_id: str) -> Response:
    """One of the visitor's records' receipt as a JSON file to keep: the log's signed promise,
    with the inclusion proof and checkpoint once the record is in the tree, so that
    ``policy-site verify-receipt`` checks it offline with the log's key."""
    credential, _ = presented_credential(request)
    storage = services().storage
    visitor_id = authenticate(storage, credential)
    if visitor_id is None:
        raise unauthorized()
    records, checkpoint = storage.records_for_visitor(visitor_id)
    record = next((r for r in records if r["id"] == record_id), None)
    if record is None:
        raise ApiError("not_found", "You have no record with this id.", status=404)
    response = Response(json.dumps(visitor_receipt(storage.signer(), record, checkpoint), indent=2) + "\n",
                        mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="consent-receipt-{record_id}.json"'
    response.cache_control.no_store = True
    response.vary.update(("Cookie", "Authorization"))
    return response


@bp.get("/consent-log", defaults={"language": "sv"})
@bp.get("/en/consent-log", defaults={"language": "en"})
@reads_query(PAGE_QUERY)
def page(language: str, query: dict[str, Any]) -> Response:
    g.language = language
    use_page_csp()
    svc = services()
    visitor_id = authenticate(svc.storage, request.cookies.get(COOKIE_NAME))
    records, _ = svc.storage.records_for_visitor(visitor_id) if visitor_id else ([], None)
    try:
        history: History[PublishedVersion] | None = svc.history()
    except SiteNotBuilt:
        history = None
    current = history.current if history else None
    withdraw_body = _withdraw_body(current, language) if visitor_id else None
    # A fresh key for each page: submitting this form twice records one withdrawal.
    withdraw_key = secrets.token_urlsafe(16) if withdraw_body else None
    html = render_template(
        "consent_log.html",
        language=language,
        page_paths=PAGE_PATHS,
        home=HOME_PATHS[language],
        stylesheets=svc.site.stylesheets(),
        favicon=svc.site.favicon(),
        draft=svc.site.draft_notice(language),
        visitor_id=visitor_id,
        records=[_present(record, language, history) for record in records],
        current=current,
        current_url=_version_url(current.id, language) if current else None,
        withdraw=json.dumps(withdraw_body, sort_keys=True) if withdraw_body else None,
        withdraw_key=withdraw_key,
        key_field=FORM_FIELD,
        withdrawn=query["withdrawn"] == "1",
    )
    response = Response(html, mimetype="text/html")
    response.cache_control.no_store = True
    response.vary.add("Cookie")
    return response


@bp.get("/consent-log/", defaults={"language": "sv"})
@bp.get("/en/consent-log/", defaults={"language": "en"})
def page_with_slash(language: str) -> Response:
    return redirect(PAGE_PATHS[language], code=308)


@bp.post("/consent-log", defaults={"language": "sv"})
@bp.post("/en/consent-log", defaults={"language": "en"})
def withdraw(language: str) -> Response:
    """The no-JavaScript way to withdraw: a plain form post from the log page.

    The ``ps_visitor`` cookie is SameSite=Lax, so another site's form cannot
    carry it here; without it there is nothing to withdraw."""
    if request.form.get("action") != "withdraw":
        raise ApiError("invalid_value", "action must be withdraw.", field="action")
    svc = services()
    visitor_id = authenticate(svc.storage, request.cookies.get(COOKIE_NAME))
    if visitor_id is None:
        return redirect(PAGE_PATHS[language], code=303)
    history = svc.history()
    body = _withdraw_body(history.current, language)
    if body is None:
        raise ApiError("no_inventory", "No policy version with a cookie inventory is in effect.", status=409)
    choice = check_choice(body, history, page_origin())
    try:
        appended = svc.storage.append_consent(
            choice, visitor_id=visitor_id, idempotency_key=key_from_form(request.form.get(FORM_FIELD))
        )
    except KeyReused:
        raise InvalidChoice("idempotency_key_reused", f"{FORM_FIELD} belongs to another choice; reload "
                            "the page and try again.", field=FORM_FIELD) from None
    if not appended.replayed:
        count_appended(choice)
    response = redirect(f"{PAGE_PATHS[language]}?withdrawn=1", code=303)
    for domain in _cookie_domains(urlsplit("//" + request.host).hostname or ""):
        response.delete_cookie(CONSENT_COOKIE, path="/", domain=domain)
    return response


def _cookie_domains(host: str) -> list[str | None]:
    """Where the banner may keep ``ps_consent`` for ``host``: for the host alone (``None``), and
    for each of its parent domains, where a site embedding the banner with
    ``data-cookie-domain``, or the policy site built with ``cookie_domain``, keeps it for all the
    company's sites at once."""
    try:
        ipaddress.ip_address(host)
        return [None]
    except ValueError:
        labels = host.split(".")
        return [None, *(".".join(labels[i:]) for i in range(1, len(labels) - 1))]


def _html_datetime(moment: dt.datetime) -> str:
    """``moment`` for a ``<time datetime>`` attribute: UTC, milliseconds, ``Z``.

    HTML allows at most three digits of fractional seconds; the exact microseconds stay
    in ``recorded_at``, which the API and the export give."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _version_url(version_id: str, language: str) -> str:
    return "/" + version_url(version_id, language)


def _withdraw_body(version: PublishedVersion | None, language: str) -> dict[str, Any] | None:
    """A withdraw choice for ``version`` as the API expects it: only required categories."""
    if version is None or version.inventory is None:
        return None
    edition = version.editions.get(language) or next(iter(version.editions.values()), None)
    if edition is None:
        return None
    shown = language if language in version.editions else next(iter(version.editions))
    return {
        "action": "withdraw",
        "categories": {c: c in version.inventory.required for c in version.inventory.categories},
        "policy": {"version": version.id, "language": shown, "sha256": edition.sha256,
                   "text_sha256": edition.text_sha256},
        "inventory": version.inventory.sha256,
        "source": "settings",
    }


def _present(record: dict[str, Any], language: str, history: History[PublishedVersion] | None) -> dict:
    moment = parse_timestamp(record["recorded_at"])
    policy = record["policy"]
    version = history.get(policy["version"]) if history else None
    edition = version.editions.get(policy["language"]) if version else None
    return {
        "id": record["id"],
        "receipt_url": f"{VISITOR_LOG_ENDPOINT}/{record['id']}/receipt",
        "proof": record["proof"],
        "leaf_index": record["leaf_index"],
        "iso": _html_datetime(moment),
        "when": format_moment(moment, language, services().timezone),
        "action": record["action"],
        "source": record["source"],
        "site": record.get("site"),
        "categories": sorted(record["categories"].items(), key=_category_order(version)),
        "version": policy["version"],
        "version_title": edition.title if edition else "",
        "version_url": _version_url(policy["version"], policy["language"]),
        "version_language": LANGUAGE_NAMES.get(policy["language"], policy["language"]),
        "hash": record["hash"],
    }


def _category_order(version: PublishedVersion | None):
    order = list(version.inventory.categories) if version and version.inventory else []

    def key(item: tuple[str, bool]) -> tuple[int, str]:
        name = item[0]
        return (order.index(name) if name in order else len(order), name)

    return key
