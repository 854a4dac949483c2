"""What a scanned page is checked against: a version's cookie inventory, as its policy origin
publishes it.

The policy origin (the scanned page's own, or another when a site embeds the banner) publishes
``versions.json``, which says which version is in effect and the SHA-256 of its inventory, and
``versions/<id>/cookies.yml``. Both are read here with the project's own readers, from the bytes
the browser fetched, so the scanner and the site can never disagree about what an inventory says.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from policy_core.manifest import Manifest, ManifestError, PublishedVersion, parse
from policy_core.urls import MANIFEST_URL, inventory_url
from policy_core.versions import Inventory
from policy_site.errors import PolicySiteError
from policy_site.sources.inventory_file import read_inventory
from policy_site.sources.reader import Reader

MAX_FILE_BYTES = 1_000_000
"""versions.json and cookies.yml are a few kilobytes; anything this big is not one."""

Fetch = Callable[[str], tuple[int, bytes]]
"""``fetch(url)``: the status and body of a GET, made by the browser (so ``--resolve`` holds)."""


class ScanError(PolicySiteError):
    """The scan cannot be made as asked (a bad address, an unknown version, no banner, no
    browser); the message says what to change."""


@dataclass(frozen=True)
class Target:
    """The version a page is compared with and where it came from."""

    policy_base: str
    """The policy site's address, ending in ``/``: ``versions.json`` lies directly below it."""
    version: str
    status: str
    inventory: Inventory | None

    @property
    def manifest_url(self) -> str:
        return urljoin(self.policy_base, MANIFEST_URL)

    @property
    def policy_origin(self) -> str:
        return origin(self.policy_base)


def require_web_address(text: str, what: str) -> None:
    """Raise :class:`ScanError` unless ``text`` is an http(s) address with a host."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ScanError(f"{what} {text!r} is not a web address: expected http://… or https://…")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError:
        raise ScanError(f"{what} {text!r} has no valid port") from None


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` as a browser writes an origin (no default port)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


def policy_base(url: str) -> str:
    """The policy site's address: ``url``'s origin and path as a folder, ending in ``/``."""
    path = urlsplit(url).path
    return origin(url) + (path if path.endswith("/") else path + "/")


def resolve(fetch: Fetch, base: str, version_id: str | None) -> Target:
    """The version to compare with, read from the policy site at ``base``."""
    manifest_url = urljoin(base, MANIFEST_URL)
    manifest = read_manifest(_get(fetch, manifest_url, "no policy site there. A page that embeds "
                                  "the banner from another site needs --policy-origin with that "
                                  "site's address"), manifest_url)
    version = choose_version(manifest, manifest_url, version_id)
    inventory = None
    if version.inventory is not None:
        url = urljoin(base, inventory_url(version.id))
        body = _get(fetch, url, f"versions.json names an inventory for version {version.id}, "
                    "which belongs there")
        inventory = read_published_inventory(body, url, version)
    return Target(base, version.id, version.status, inventory)


def _get(fetch: Fetch, url: str, missing: str) -> bytes:
    status, body = fetch(url)
    if status != 200:
        raise ScanError(f"{url} answered {status}: {missing}")
    if len(body) > MAX_FILE_BYTES:
        raise ScanError(f"{url} is {len(body)} bytes, more than the {MAX_FILE_BYTES} a policy "
                        "site's file may have: is this the policy site?")
    return body


def read_manifest(body: bytes, url: str) -> Manifest:
    try:
        return parse(json.loads(body))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ScanError(f"{url}: not JSON ({error}): is this the policy site? "
                        "Pass --policy-origin with the address that publishes versions.json") from None
    except ManifestError as error:
        raise ScanError(f"{url}: {error}") from None


def choose_version(manifest: Manifest, url: str, version_id: str | None) -> PublishedVersion:
    """The version named by ``--version``, else the one ``versions.json`` says is current."""
    wanted = version_id or manifest.current
    for version in manifest.versions:
        if version.id == wanted:
            return version
    known = ", ".join(v.id for v in manifest.versions) or "none"
    if version_id is None:
        raise ScanError(f"{url}: no version is in effect (as of {manifest.as_of}); pass --version")
    raise ScanError(f"--version {version_id}: {url} publishes no such version; versions: {known}")


def read_published_inventory(body: bytes, url: str, version: PublishedVersion) -> Inventory:
    """The inventory at ``url``, checked with the sources' own rules and against the hash
    ``versions.json`` names for it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cookies.yml"
        path.write_bytes(body)
        reader = Reader(Path(folder))
        inventory = read_inventory(reader, path)
    if inventory is None:
        problems = "; ".join(f"line {p.line}: {p.message}" if p.line else p.message
                             for p in reader.problems)
        raise ScanError(f"{url}: not a readable cookie inventory: {problems}")
    expected = version.inventory.sha256 if version.inventory else None
    if inventory.sha256 != expected:
        raise ScanError(f"{url}: its SHA-256 {inventory.sha256} is not the {expected} that "
                        f"versions.json names for version {version.id}: the site's published "
                        "files disagree (a partial deployment?)")
    return inventory


