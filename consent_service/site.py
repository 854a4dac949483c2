"""Serving the built static site at ``/``, from the same origin as the API.

Directory URLs serve their ``index.html`` (and redirect to the trailing-slash URL
first, because MkDocs' relative links assume it); unknown paths get the site's
``404.html`` with status 404. There is no directory listing, no dotfile and no
path outside the site directory.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, Response, redirect, request, send_file
from werkzeug.exceptions import NotFound
from werkzeug.routing import PathConverter
from werkzeug.security import safe_join

from .services import services

HASHED_ASSET = re.compile(r"\.[0-9a-f]{8,}\.(?:min\.)?(?:css|js)$")
REVALIDATE = (".html", ".json", ".xml", ".txt", ".webmanifest", ".css", ".js")

bp = Blueprint("site", __name__)


class SitePathConverter(PathConverter):
    """A path that does not start with ``api/``: the API keeps its own 404 and 405."""

    regex = r"(?!api(?:/|$))[^/].*?"


@bp.get("/", defaults={"path": ""})
@bp.get("/<sitepath:path>")
def serve(path: str) -> Response:
    target = _resolve(path)
    if target is None:
        raise NotFound()
    if target.is_dir():
        if path and not path.endswith("/"):
            query = request.query_string.decode("latin-1")
            return redirect(f"/{path}/" + (f"?{query}" if query else ""), code=308)
        target = target / "index.html"
        if not target.is_file():
            raise NotFound()
    response = send_file(target, conditional=True, etag=True)
    del response.headers["Content-Disposition"]
    response.headers["Cache-Control"] = _cache_control(target.name)
    return response


def not_found_page() -> Response:
    """The site's own 404 page, or a plain one when the site has none."""
    page = services().site.root / "404.html"
    try:
        body = page.read_bytes()
        mimetype = "text/html"
    except OSError:
        body = b"Not found\n"
        mimetype = "text/plain"
    response = Response(body, status=404, mimetype=mimetype)
    response.cache_control.no_cache = True
    return response


def _resolve(path: str) -> Path | None:
    root = services().site.root
    parts = [part for part in path.split("/") if part]
    if any(part.startswith(".") or "\\" in part or "\x00" in part for part in parts):
        return None
    joined = safe_join(str(root), *parts) if parts else str(root)
    if joined is None:
        return None
    target = Path(joined)
    try:
        resolved = target.resolve(strict=True)
        root_resolved = root.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if resolved != root_resolved and root_resolved not in resolved.parents:
        return None
    return target


def _cache_control(name: str) -> str:
    """Fingerprinted assets never change; pages, the manifest and the site's own
    unfingerprinted stylesheets and scripts (which a new build changes under the same name)
    are revalidated on every visit (cheap, thanks to ETag and Last-Modified); other files may
    be reused for an hour. deploy/nginx/policy-site.conf applies the same rule."""
    if HASHED_ASSET.search(name):
        return "public, max-age=31536000, immutable"
    if name.endswith(REVALIDATE):
        return "no-cache"
    return "public, max-age=3600"
