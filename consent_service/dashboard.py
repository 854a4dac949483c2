"""The privacy team's and auditors' dashboard: ``/admin/`` in Swedish, ``/admin/en/`` in English.

What choices visitors made, counted from the log itself (:mod:`consent_service.tally`) over a
range of UTC days, as charts drawn on the server (:mod:`consent_service.charts`) each followed by
a table of the same numbers, and as a CSV download. Off (404) while ``CONSENT_ADMIN_TOKEN`` is
unset.

**Signing in.** The login form takes the admin token once and answers with a session cookie,
``ps_admin``: Flask's signed session (HttpOnly, ``SameSite=Strict``, ``Secure`` over HTTPS,
path ``/admin/``), valid for :data:`SESSION_LIFETIME` from signing in and until the browser
closes. Its key is derived from the token, so a new token ends every session. The token never
appears in a URL. Each client has ``CONSENT_LOGIN_RATE_LIMIT`` attempts (``security``); past
them the form answers 429 without comparing the token. Forms that change something (signing in
and out) must come from this origin (the ``Origin`` check of ``security``, and
``Sec-Fetch-Site``); signing out also carries the session's own random token, which another site
cannot know. The CSV also answers ``Authorization: Bearer``, for scripts.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import secrets
from collections.abc import Callable
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
)
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import NotFound, TooManyRequests

from policy_core.languages import BABEL_LOCALES, LANGUAGES
from policy_core.urls import prefix

from . import charts
from .admin_access import has_admin_bearer, token_matches
from .i18n import N_, category_name
from .query import Day, InvalidParameter, Parameter, Query, utc_window
from .records import utc_now
from .security import use_page_csp
from .services import services
from .tally import ACTIONS, Figures, Group, RangeError, RangeReversed, check_range, rows, tally

PATHS = {"sv": "/admin/", "en": "/admin/en/"}
LOGIN_PATHS = {lang: f"{path}login" for lang, path in PATHS.items()}
LOGOUT_PATH = "/admin/logout"
CSV_PATH = "/admin/figures.csv"
SESSION_COOKIE = "ps_admin"
SESSION_LIFETIME = dt.timedelta(hours=8)
SESSION_KEY_LABEL = b"policy-site dashboard session key\x00"
DEFAULT_DAYS = 30
MAX_DAYS = 366
RANGE_QUERY = Query(
    (
        Parameter("from", Day(), "The first UTC day counted (default: 29 days before `to`)."),
        Parameter("to", Day(), "The last UTC day counted (default: today)."),
    ),
    refuse_unknown=False,
)
ACTION_NAMES = {
    "accept_all": N_("Accept all"),
    "reject_all": N_("Reject all"),
    "custom": N_("Chosen one by one"),
    "withdraw": N_("Withdrawal"),
}

bp = Blueprint("dashboard", __name__, url_prefix="/admin")


class _Sessions(SecureCookieSessionInterface):
    """Flask's signed cookie session, ``Secure`` whenever the request came over HTTPS."""

    salt = "policy-site dashboard"

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure


def init_app(app: Flask) -> None:
    token = app.config["CONSENT_ADMIN_TOKEN"]
    if token is not None:
        app.secret_key = hmac.new(token.encode("utf-8"), SESSION_KEY_LABEL, hashlib.sha256).hexdigest()
    app.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_PATH="/admin/",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
    )
    app.session_interface = _Sessions()
    app.register_blueprint(bp)


@bp.before_request
def _only_with_a_token() -> None:
    if current_app.config["CONSENT_ADMIN_TOKEN"] is None:
        raise NotFound()
    use_page_csp()


@bp.get("/", defaults={"language": "sv"})
@bp.get("/en/", defaults={"language": "en"})
def figures_page(language: str) -> Response:
    if not _signed_in():
        return redirect(LOGIN_PATHS[language], code=303)
    g.language = language
    try:
        first, last = _range()
        figures = _count(first, last)
    except (InvalidParameter, RangeError) as error:
        return _page("dashboard.html", language, 400, error=_range_error(language, error),
                     first=_day_given("from"), last=_day_given("to"))
    return _page("dashboard.html", language, 200, **_present(figures, language))


@bp.get("/login", defaults={"language": "sv"})
@bp.get("/en/login", defaults={"language": "en"})
def login_page(language: str) -> Response:
    if _signed_in():
        return redirect(PATHS[language], code=303)
    return _page("dashboard_login.html", language, 200)


@bp.post("/login", defaults={"language": "sv"})
@bp.post("/en/login", defaults={"language": "en"})
def login(language: str) -> Response:
    _from_this_origin()
    if not token_matches(request.form.get("token", "")):
        refused = _page("dashboard_login.html", language, 401, wrong=True)
        refused.headers["WWW-Authenticate"] = 'Bearer realm="consent"'
        return refused
    session.clear()
    session["admin"] = True
    session["csrf"] = secrets.token_urlsafe(32)
    return redirect(PATHS[language], code=303)


@bp.errorhandler(TooManyRequests)
def _too_many_attempts(_error: TooManyRequests) -> Response:
    """The login form again, in its language, saying to wait: the client has used up
    ``CONSENT_LOGIN_RATE_LIMIT`` (``security`` limits nothing else here). The token was not
    compared; the limiter adds ``Retry-After``."""
    language = (request.view_args or {}).get("language", LANGUAGES[0])
    return _page("dashboard_login.html", language, 429, limited=True)


@bp.post("/logout")
def logout() -> Response:
    _from_this_origin()
    language = request.form.get("language")
    if language not in LANGUAGES:
        language = LANGUAGES[0]
    if _signed_in() and not hmac.compare_digest(request.form.get("csrf", ""), session["csrf"]):
        abort(403)
    session.clear()
    return redirect(LOGIN_PATHS[language], code=303)


@bp.get("/figures.csv")
def figures_csv() -> Response:
    if not (_signed_in() or has_admin_bearer(request)):
        if "Authorization" in request.headers:
            abort(401)
        return redirect(LOGIN_PATHS[LANGUAGES[0]], code=303)
    try:
        first, last = _range()
        figures = _count(first, last)
    except (InvalidParameter, RangeError) as error:
        return Response(f"{error}\n", status=400, mimetype="text/plain")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("table", "group", "measure", "value"))
    writer.writerows(rows(figures))
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="consent-figures-{first}-{last}.csv"'
    response.cache_control.no_store = True
    return response


def _signed_in() -> bool:
    return session.get("admin") is True and isinstance(session.get("csrf"), str)


def _from_this_origin() -> None:
    """A form post sent from a page of this origin, or by a tool that says nothing about where
    it comes from; a browser's post from another site's page is refused (its ``Origin`` header
    is refused earlier, by ``security``)."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
        abort(403)


def _range() -> tuple[dt.date, dt.date]:
    """The range asked for (``from``, ``to``), read as the export reads them; by default the
    last :data:`DEFAULT_DAYS` days."""
    query = RANGE_QUERY.read(request.args.items(multi=True))
    last = query["to"] or utc_now().date()
    first = query["from"] or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    check_range(first, last, MAX_DAYS)
    return first, last


def _day_given(name: str) -> str:
    """The day a refused range gave for ``name``, to show again in its field; empty unless it is
    one (a date field holds nothing else)."""
    try:
        return Day().read(request.args.get(name, "")).isoformat()
    except ValueError:
        return ""


def _count(first: dt.date, last: dt.date) -> Figures:
    svc = services()
    optional = {
        version.id: [c for c in version.inventory.categories if c not in version.inventory.required]
        for version in svc.site.manifest().versions if version.inventory is not None
    }
    since, until = utc_window(first, last)
    records = svc.storage.iter_records(since=since, until=until)
    return tally(records, first, last, optional=optional, policy_site=request.host_url.rstrip("/"))


def _range_error(language: str, error: Exception) -> str:
    gettext = services().translations[language].gettext
    if isinstance(error, InvalidParameter):
        return gettext("The dates cannot be read: give each day once, written YYYY-MM-DD.")
    if isinstance(error, RangeReversed):
        return gettext("The first day is after the last day.")
    return gettext("Choose at most %(days)d days.") % {"days": MAX_DAYS}


def _page(template: str, language: str, status: int, **context: Any) -> Response:
    g.language = language
    svc = services()
    html = render_template(
        template,
        language=language,
        paths=PATHS,
        login_paths=LOGIN_PATHS,
        logout_path=LOGOUT_PATH,
        home="/" + prefix(language),
        topic_href=PATHS[language],
        stylesheets=svc.site.stylesheets(),
        favicon=svc.site.favicon(),
        draft=None,
        csrf=session.get("csrf") if _signed_in() else None,
        **context,
    )
    response = Response(html, status=status, mimetype="text/html")
    response.cache_control.no_store = True
    return response


def _present(figures: Figures, language: str) -> dict[str, Any]:
    """What the page shows of ``figures``: numbers and dates written for its reader, the charts'
    geometry and every label in ``language``."""
    translations = services().translations[language]
    locale = BABEL_LOCALES[language]
    percent_pattern = Locale.parse(locale).percent_formats[None].pattern.replace("#,##0", "#,##0.0")

    def number(value: int) -> str:
        return format_decimal(value, locale=locale)

    def percent(value: float | None) -> str:
        return "–" if value is None else format_percent(value, format=percent_pattern, locale=locale)

    def day(iso: str, form: str = "medium") -> str:
        return format_date(dt.date.fromisoformat(iso), form, locale=locale)

    actions = {action: translations.gettext(name) for action, name in ACTION_NAMES.items()}
    categories = {c: category_name(translations, c) for c in figures.categories}
    scale = tuple(format_percent(share, locale=locale) for share in (0, 0.5, 1))
    policy_site = request.host_url.rstrip("/")
    site_names = {group.key: translations.gettext("%(site)s (the policy site)") % {"site": group.key}
                  if group.key == policy_site else group.key for group in figures.sites}

    def by_category(groups: tuple[Group, ...], title: Callable[[Group], str | None]) -> charts.Chart:
        return charts.bars([charts.BarGroup(title(group), tuple(
            charts.Bar(categories[a.category], a.rate, percent(a.rate), a.category)
            for a in group.acceptance)) for group in groups], scale)

    query = {"from": figures.first.isoformat(), "to": figures.last.isoformat()}
    return {
        "figures": figures,
        "first": query["from"],
        "last": query["to"],
        "csv_url": f"{CSV_PATH}?from={query['from']}&to={query['to']}",
        "query": f"?from={query['from']}&to={query['to']}",
        "actions": actions,
        "action_order": ACTIONS,
        "categories": categories,
        "site_names": site_names,
        "version_names": {group.key: group.key for group in figures.versions},
        "number": number,
        "percent": percent,
        "day": day,
        "day_chart": charts.columns([day(group.key, "d MMM") for group in figures.days],
                                    [group.actions for group in figures.days],
                                    [(action, actions[action]) for action in ACTIONS]),
        "category_chart": by_category((figures.overall,), lambda group: None),
        "version_chart": by_category(figures.versions, lambda group: translations.gettext(
            "Version %(version)s") % {"version": group.key}),
        "site_chart": by_category(figures.sites, lambda group: site_names[group.key]),
        "gpc_chart": charts.bars([charts.BarGroup(None, (charts.Bar(
            translations.gettext("Global Privacy Control"), figures.overall.gpc_share,
            percent(figures.overall.gpc_share), "gpc"),))], scale),
    }
