"""The built site on disk, as the service serves it and checks choices against it.

The service never trusts a choice's policy reference on its word: the version, language and
hashes must match what the site published in ``versions.json`` (read by
:func:`policy_core.manifest.parse`, the format's one reader), and the version must have taken
effect both on the day the site was built as of and today
(:meth:`policy_core.manifest.Manifest.history`).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from policy_core.manifest import Manifest, ManifestError, parse
from policy_core.urls import DRAFT_NOTICE_FILE

from .errors import ConsentServiceError

SITE_STYLESHEET = "stylesheets/policy.min.css"
"""The site's own additions to Material (the draft notice among them), loaded after Material's."""


class SiteNotBuilt(ConsentServiceError):
    """The site directory has no usable ``versions.json``; the message says what is wrong."""


class SiteDirectory:
    """The built site on disk: its manifest, stylesheets and draft notice, reloaded when rebuilt.

    ``versions.json`` is re-read whenever its modification time or size changes, so
    a site rebuilt under a running service takes effect without a restart.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._manifest: Manifest | None = None
        self._stylesheets: tuple[str, ...] = ()
        self._draft: dict[str, dict] = {}

    @property
    def versions_file(self) -> Path:
        return self.root / "versions.json"

    def manifest(self) -> Manifest:
        """The published versions; raises :class:`SiteNotBuilt` when there are none."""
        try:
            stat = self.versions_file.stat()
        except OSError:
            raise SiteNotBuilt(
                f"{self.versions_file} does not exist: build the site first "
                "(mkdocs build) or point CONSENT_SITE_DIR at the built site"
            ) from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp or self._manifest is None:
                self._manifest = self._load()
                self._stylesheets = self._find_stylesheets()
                self._draft = self._load_draft()
                self._stamp = stamp
            return self._manifest

    def stylesheets(self) -> tuple[str, ...]:
        """Site-relative URLs of Material's main and palette stylesheets and the site's own,
        when built."""
        try:
            self.manifest()
        except SiteNotBuilt:
            return self._find_stylesheets()
        return self._stylesheets

    def draft_notice(self, lang: str) -> dict | None:
        """The site's draft notice in ``lang`` (title, text, facts missing) while the built site
        is a draft, so the pages the service renders say so too; ``None`` otherwise."""
        try:
            self.manifest()
        except SiteNotBuilt:
            return None
        return self._draft.get(lang)

    def _load_draft(self) -> dict[str, dict]:
        """``draft.json`` as the site wrote it; a notice not in that shape is left out."""
        try:
            data = json.loads((self.root / DRAFT_NOTICE_FILE).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {lang: notice for lang, notice in data.items() if _is_notice(notice)}

    def _load(self) -> Manifest:
        try:
            data = json.loads(self.versions_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise SiteNotBuilt(f"{self.versions_file} cannot be read: {error}") from None
        try:
            return parse(data)
        except ManifestError as error:
            raise SiteNotBuilt(f"{self.versions_file} does not fit the published format: {error}") from None

    def favicon(self) -> str | None:
        """The site's favicon (Material's default place), when built."""
        path = self.root / "assets" / "images" / "favicon.png"
        return "/assets/images/favicon.png" if path.is_file() else None

    def _find_stylesheets(self) -> tuple[str, ...]:
        folder = self.root / "assets" / "stylesheets"
        found = []
        for stem in ("main", "palette"):
            matches = sorted(folder.glob(f"{stem}.*.min.css"))
            if matches:
                found.append("/" + matches[-1].relative_to(self.root).as_posix())
        if (self.root / SITE_STYLESHEET).is_file():
            found.append("/" + SITE_STYLESHEET)
        return tuple(found)


def _is_notice(notice: object) -> bool:
    return (isinstance(notice, dict) and isinstance(notice.get("title"), str)
            and isinstance(notice.get("text"), str) and isinstance(notice.get("missing"), list)
            and all(isinstance(key, str) for key in notice["missing"])
            and isinstance(notice.get("html"), str))
