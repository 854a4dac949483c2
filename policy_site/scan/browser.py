"""Observing a page in Debian's Chromium: what it stores and where it sends requests, per state.

Each state gets a fresh browser profile (a new Playwright context), so nothing carries over
from one state to the next. The banner is driven through its real interface: its dialog
(``role="dialog"`` holding ``data-ps`` buttons), the buttons' ``data-ps`` values and the
settings' checkboxes named by category id, which are the same in every language.

After a choice the page is loaded once more, as a visitor's next page view would be, so what
scripts set on load with the choice in effect is observed too.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from policy_site.scan.compare import Action, Cookie, Observation, State, StorageItem
from policy_site.scan.target import ScanError, origin

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync")
"""Flags for a headless Chromium that sends nothing of its own (no updates, sync, or probes)."""

BANNER = '[role="dialog"]:has([data-ps="reject"])'
BANNER_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 30_000
QUIET = 0.5
"""Seconds without an open request after which a page counts as settled."""
IDLE_TIMEOUT = 15.0
POLL_MS = 50

STORAGE_SCRIPT = """async () => {
  const keys = (name) => { try { return Object.keys(window[name]); } catch (e) { return []; } };
  let databases = [];
  try { databases = (await indexedDB.databases()).map((d) => d.name); } catch (e) {}
  return {origin: location.origin, localStorage: keys("localStorage"),
          sessionStorage: keys("sessionStorage"), indexedDB: databases};
}"""
BANNER_INVENTORY_SCRIPT = "() => (window.psConsent && window.psConsent.get() || {}).inventory || null"


class Chromium:
    """One headless Chromium for a scan; ``with Chromium(...) as browser:``.

    ``resolve`` maps host names to addresses (Chromium's ``--host-resolver-rules``), to scan a
    site under its real name before DNS points there; ``wait`` is how long to watch a page
    once the network is idle, for scripts that act on a timer.
    """

    def __init__(self, executable: Path = CHROMIUM, resolve: Mapping[str, str] | None = None,
                 wait: float = 1.0) -> None:
        self.executable = executable
        self.resolve = dict(resolve or {})
        self.wait_ms = wait * 1000
        self._playwright: Any = None
        self._browser: Any = None
        self._files: Any = None

    def __enter__(self) -> Chromium:
        if not os.access(self.executable, os.X_OK) or self.executable.is_dir():
            raise ScanError(f"no Chromium at {self.executable}: install Debian's "
                            "(apt-get install chromium) or pass --chromium PATH")
        from playwright.sync_api import Error, sync_playwright

        args = list(CHROMIUM_ARGS)
        if self.resolve:
            rules = ", ".join(f"MAP {host} {address}" for host, address in self.resolve.items())
            args.append(f"--host-resolver-rules={rules}")
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(executable_path=str(self.executable),
                                                             args=args)
        except Error as error:
            self._playwright.stop()
            raise ScanError(f"Chromium at {self.executable} did not start: "
                            f"{_first_line(error)}") from None
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._browser.close()
        self._playwright.stop()

    def fetch(self, url: str) -> tuple[int, bytes]:
        """GET ``url`` through Chromium, in a profile of its own that no state shares.

        The first address of an origin is opened as a page; later ones are fetched by that page
        (same origin), so a file the browser would download rather than show can be read too.
        """
        from playwright.sync_api import Error

        if self._files is None:
            self._files = self._browser.new_context().new_page()
        page = self._files
        try:
            if page.url == "about:blank" or origin(page.url) != origin(url):
                response = page.goto(url, timeout=NAVIGATION_TIMEOUT_MS)
                return response.status, response.body()
            status, body = page.evaluate(
                "async (url) => { const r = await fetch(url);"
                " return [r.status, Array.from(new Uint8Array(await r.arrayBuffer()))]; }", url)
            return status, bytes(body)
        except Error as error:
            raise ScanError(f"{url}: cannot be fetched: {_first_line(error)}") from None

    def observe(self, url: str, state: State) -> Observation:
        """Open ``url`` in a fresh profile, make the state's choice, and list what is left."""
        from playwright.sync_api import Error

        context = self._browser.new_context()
        requests: Counter[str] = Counter()
        pending: set[Any] = set()

        def started(request: Any) -> None:
            _count(requests, request.url)
            pending.add(request)

        context.on("request", started)
        context.on("requestfinished", lambda request: pending.discard(request))
        context.on("requestfailed", lambda request: pending.discard(request))
        try:
            page = context.new_page()
            page.on("websocket", lambda socket: _count(requests, socket.url))
            self._open(page, url, pending)
            banner = page.locator(BANNER).first
            try:
                banner.wait_for(state="visible", timeout=BANNER_TIMEOUT_MS)
            except Error:
                raise ScanError(f"{url}: no cookie banner appeared (a role=\"dialog\" with a "
                                "data-ps=\"reject\" button): is the banner on this page?") from None
            if state.chosen:
                if not _choose(banner, state):
                    return Observation(state, time.time(), switch_missing=True)
                self._settle(page, pending)
                self._open(page, url, pending)
            return self._collect(page, context, state, requests)
        except Error as error:
            raise ScanError(f"{url}: {_first_line(error)}") from None
        finally:
            context.close()

    def _open(self, page: Any, url: str, pending: set[Any]) -> None:
        response = page.goto(url, timeout=NAVIGATION_TIMEOUT_MS)
        if response is not None and response.status >= 400:
            raise ScanError(f"{url} answered {response.status}")
        self._settle(page, pending)

    def _settle(self, page: Any, pending: set[Any]) -> None:
        """Wait until no request has been open for a while, then ``wait`` longer.

        Playwright's own ``networkidle`` is reached once per document, so it cannot tell when
        what a click started (the banner recording the choice) has finished.
        """
        quiet_since = time.monotonic()
        deadline = quiet_since + IDLE_TIMEOUT
        while time.monotonic() < deadline:
            page.wait_for_timeout(POLL_MS)
            if pending:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= QUIET:
                break
        # A page that never stops sending is observed as it is when the deadline passes.
        page.wait_for_timeout(self.wait_ms)

    def _collect(self, page: Any, context: Any, state: State, requests: Counter[str]) -> Observation:
        cookies = tuple(sorted(
            (Cookie(name=c["name"], domain=c["domain"], path=c["path"],
                    expires=None if c["expires"] < 0 else c["expires"], http_only=c["httpOnly"],
                    secure=c["secure"], same_site=c["sameSite"])
             for c in context.cookies()),
            key=lambda c: (c.domain, c.path, c.name)))
        storage: set[StorageItem] = set()
        for frame in page.frames:
            if not frame.url.startswith(("http://", "https://")):
                continue
            found = frame.evaluate(STORAGE_SCRIPT)
            for kind in ("localStorage", "sessionStorage", "indexedDB"):
                storage.update(StorageItem(kind, found["origin"], name) for name in found[kind])
        return Observation(
            state=state, time=time.time(), cookies=cookies,
            storage=tuple(sorted(storage, key=lambda s: (s.origin, s.storage, s.name))),
            requests=dict(sorted(requests.items())),
            banner_inventory=page.evaluate(BANNER_INVENTORY_SCRIPT),
        )


def _choose(banner: Any, state: State) -> bool:
    """Make the state's choice in the banner; False when its settings lack the category."""
    if state.action is Action.REJECT_ALL:
        banner.locator('[data-ps="reject"]:visible').first.click()
    elif state.action is Action.ACCEPT_ALL:
        banner.locator('[data-ps="accept"]:visible').first.click()
    else:
        banner.locator('[data-ps="settings"]:visible').first.click()
        for category in sorted(state.accepted):
            switch = banner.locator(f'input[type="checkbox"][name="{category}"]')
            if switch.count() == 0:
                return False
            switch.check()
        banner.locator('[data-ps="save"]:visible').first.click()
    return True


def _count(requests: Counter[str], url: str) -> None:
    if url.startswith(("http://", "https://", "ws://", "wss://")):
        requests[origin(url)] += 1


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
