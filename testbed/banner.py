"""Helpers for the cookie-banner tests: the consent service serving a built site on loopback.

The banner is tested the way it is deployed (see the README's run command): gunicorn runs
``consent_service.app:create_app()`` over a SQLite database, serving the built site and the API from
one origin, and Debian's Chromium talks to it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from testbed import faketime_env, free_port
from testbed.choice import choice_body, manifest_entry, policy_ref
from testbed.site import AXE_VIOLATIONS, REPO

OPTIONAL = ("statistics", "media")
"""The optional categories of the inventory in effect on the tests' date, AS_OF (version 2026-11-01)."""
CURRENT = "2026-11-01"
LANGUAGES = ["sv", "en"]
"""The languages every banner behaviour is checked in."""
NECESSARY_COOKIES = {"ps_consent", "ps_visitor"}
OPTIONAL_COOKIES = {"_pk_id.1.d3m0", "_pk_ses.1.d3m0", "ps_media"}
"""What the demo page's gated scripts set once their categories are accepted."""
CHOICE_ONLY = {"ps_consent"}
"""What a refusal leaves: the choice, and no identifier."""
ADMIN_TOKEN = "banner-test-admin-token-0123456789"
DEMO_PATH = {"sv": "demo/", "en": "en/demo/"}
HOME_PATH = {"sv": "", "en": "en/"}
GPC = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"
"""An init script that makes the browser send the Global Privacy Control signal."""


class ConsentServer:
    """gunicorn serving ``site`` and the API on 127.0.0.1, over a SQLite file in ``workdir``.

    ``stop()`` and ``start()`` keep the port and the database, as an outage would. With ``today``
    (``YYYY-MM-DD``) the server's clock starts at noon that day, so it accepts choices for the
    version a site built as of that day shows.
    """

    def __init__(self, site: Path, workdir: Path, today: str | None = None) -> None:
        self.site = site
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.environment = {
            "CONSENT_SITE_DIR": str(site),
            "CONSENT_DATABASE_URL": f"sqlite:///{workdir / 'consent.sqlite3'}",
            "CONSENT_LOG_KEY_FILE": str(workdir / "consent-log.key"),
            "CONSENT_RATE_LIMIT": "off",
            "CONSENT_ADMIN_TOKEN": ADMIN_TOKEN,
        }
        self.clock: dict[str, str] = {}
        if today is not None:
            self.clock = faketime_env(f"{today} 12:00:00")
        # The README's command, in its own process like gunicorn's workers.
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "consent_service.app", "consent", "init-db"],
            cwd=REPO, env=self._env(), capture_output=True, text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        self.process: subprocess.Popen[bytes] | None = None

    def _env(self) -> dict[str, str]:
        """The shell's environment without its own CONSENT_* settings, plus ours."""
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("CONSENT_")}
        return {**inherited, **self.environment}

    def start(self) -> ConsentServer:
        log = (self.workdir / "gunicorn.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{self.port}", "-w", "1",
             "--graceful-timeout", "1", "--no-control-socket", "consent_service.app:create_app()"],
            cwd=REPO, env={**self._env(), **self.clock}, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.workdir / "gunicorn.log").read_text()[-2000:]
            try:
                with urllib.request.urlopen(self.url + "api/v1/health", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)  # a busy machine may take longer than one attempt's timeout
        self.stop()
        raise RuntimeError("the consent service did not become ready")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


def my_records(page: Any, server: ConsentServer) -> list[dict[str, Any]]:
    """The visitor's own records, newest first, asked with the page's cookies (as the visitor),
    without the inclusion proofs the log adds, so that they compare with the export's."""
    response = page.request.get(server.url + "api/v1/me/consents")
    if response.status == 401:
        return []
    assert response.status == 200, response.text()
    return [{key: value for key, value in record.items() if key != "proof"}
            for record in response.json()["records"]]


def all_records(server: ConsentServer) -> list[dict[str, Any]]:
    """Every record the service holds, in sequence order, as the audit export gives them."""
    request = urllib.request.Request(server.url + "api/v1/audit/export",
                                     headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return [json.loads(line) for line in response.read().splitlines()]


def records_with_key(server: ConsentServer, key: str) -> list[dict[str, Any]]:
    """The records of the choice the banner sent with idempotency key ``key``."""
    digest = hashlib.sha256(key.encode("ascii")).hexdigest()
    return [r for r in all_records(server) if r.get("idempotency_key_sha256") == digest]


def key_of(request: Any) -> str:
    """The idempotency key a request to the service carries, without its quotes."""
    return request.headers["idempotency-key"].strip('"')


def web_storage(page: Any) -> list[str]:
    """Every key the page's origin holds in localStorage and sessionStorage."""
    return page.evaluate("Object.keys(localStorage).concat(Object.keys(sessionStorage))")


def unconfirmed(page: Any) -> list[list[Any]]:
    """The choices ``ps_consent`` holds for the service, ``[key, request body]`` each (the
    cookie also names the origin each was made on: see ``unconfirmed_origins``)."""
    return [entry[:2] for entry in (stored_choice(page) or {}).get("q", [])]


def unconfirmed_origins(page: Any) -> list[str]:
    """The origin of the page each unconfirmed choice was made on, oldest first."""
    return [entry[2] for entry in (stored_choice(page) or {}).get("q", [])]


def stored_choice(page: Any) -> dict[str, Any] | None:
    """The ``ps_consent`` cookie, decoded."""
    for cookie in page.context.cookies():
        if cookie["name"] == "ps_consent":
            return json.loads(urllib.request.unquote(cookie["value"]))
    return None


def cookie_names(page: Any) -> set[str]:
    return {cookie["name"] for cookie in page.context.cookies()}


STORAGE_KEYS = ("() => ['localStorage', 'sessionStorage']"
                ".flatMap((area) => Object.keys(window[area]).map((key) => [area, key]))")


def stored_items(page: Any) -> set[tuple[str, str]]:
    """Everything the browser holds for the page: (storage, name) for every cookie of the context
    and every ``localStorage`` and ``sessionStorage`` key of the page's origin."""
    cookies = {("cookie", cookie["name"]) for cookie in page.context.cookies()}
    return cookies | {(area, key) for area, key in page.evaluate(STORAGE_KEYS)}


def demo_runs(page: Any) -> list[str]:
    """Which gated demo scripts have run on the page, in order."""
    return page.evaluate("window.psDemo || []")


def first_layer(page: Any, action: str) -> Any:
    """A button of the banner's first layer: accept, reject or settings."""
    return page.locator(f'#ps-consent-first [data-ps="{action}"]')


def settings_layer(page: Any, action: str) -> Any:
    """A button of the settings layer: save, accept, reject or close."""
    return page.locator(f'#ps-consent-settings [data-ps="{action}"]')


BUTTON_STYLE = ("backgroundColor", "color", "fontSize", "fontWeight", "fontFamily", "borderTopWidth",
                "borderTopColor", "borderRadius", "paddingTop", "textDecorationLine", "opacity")


def first_layer_buttons(page: Any) -> tuple[list[dict[str, float]], list[list[str]]]:
    """The box and computed style (``BUTTON_STYLE``) of Accept all, Reject all and Settings, once
    the banner has slid in: what equal prominence is measured by."""
    page.evaluate("Promise.all(document.getAnimations().map(a => a.finished))")
    buttons = [first_layer(page, action) for action in ("accept", "reject", "settings")]
    styles = [button.evaluate(f"b => {{ const s = getComputedStyle(b); "
                              f"return {list(BUTTON_STYLE)}.map(p => s[p]); }}") for button in buttons]
    return [button.bounding_box() for button in buttons], styles


SETTLED = """async () => {
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    await Promise.all(document.getAnimations().map(a => a.finished));
}"""


def axe_violations(page: Any, axe_source: str) -> list[dict]:
    """What axe-core finds on the page as it is now."""
    # Once the banner closes, the pointer that clicked its button rests on whatever was behind
    # it; scan the page as it looks without a pointer over it, after transitions have ended.
    page.mouse.move(0, 0)
    page.evaluate(SETTLED)
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(axe_source)  # evaluated, not a <script>: the site's CSP stays as served
    return page.evaluate(AXE_VIOLATIONS)


NOTHING_UNCONFIRMED = """() => {
    const m = document.cookie.match(/(?:^|; )ps_consent=([^;]*)/);
    return !!m && JSON.parse(decodeURIComponent(m[1])).q.length === 0;
}"""  # a function: the site's CSP forbids eval


def recorded(page: Any, action: Callable[[], None]) -> str:
    """Do ``action``, wait until the service has stored the choice it posts and the page has
    dropped its key from ``ps_consent``; that idempotency key (see ``records_with_key``)."""
    with page.expect_response(lambda r: r.url.endswith("/api/v1/consents")
                              and r.request.method == "POST") as info:
        action()
    assert info.value.status == 201
    page.wait_for_function(NOTHING_UNCONFIRMED)
    return key_of(info.value.request)


def published(site: Path, lang: str) -> dict[str, str]:
    """What a record must refer to: the current version and its hashes, from versions.json."""
    current = manifest_entry(site)
    return {**policy_ref(current, lang), "inventory": current["inventory"]["sha256"]}


def expected_record(server: ConsentServer, lang: str, action: str, source: str,
                    statistics: bool, media: bool) -> dict[str, Any]:
    """What the service must have recorded for a choice on the served site's current version
    (compare with ``essentials`` of the record)."""
    categories = {"necessary": True, "statistics": statistics, "media": media}
    return choice_body(manifest_entry(server.site), lang, action, categories, source)


def essentials(record: dict[str, Any]) -> dict[str, Any]:
    """A record's choice, without what the service adds to it (id, time, visitor, site, hashes)."""
    return {key: record[key] for key in ("action", "source", "categories", "policy", "inventory")}
