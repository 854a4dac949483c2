"""Where things are on the policy origin: the URL layout the site builds and the service serves.

Site-relative paths without a leading slash, as the site generator writes links; the service
adds the ``/``. The default language lives at the root, every other under ``<lang>/``.
"""

from __future__ import annotations

from policy_core.languages import DEFAULT_LANGUAGE

CONSENT_ENDPOINT = "/api/v1/consents"
VISITOR_LOG_ENDPOINT = "/api/v1/me/consents"
MANIFEST_URL = "versions.json"
"""The manifest: which version is in effect, every version's hashes and inventory categories."""


def prefix(lang: str) -> str:
    """URL prefix of a language: the default language lives at the root."""
    return "" if lang == DEFAULT_LANGUAGE else f"{lang}/"


def version_url(version_id: str, lang: str) -> str:
    """A version's permanent page."""
    return f"{prefix(lang)}versions/{version_id}/"


def diff_url(old_id: str, new_id: str, lang: str) -> str:
    return f"{prefix(lang)}diff/{old_id}..{new_id}/"


def source_url(version_id: str, lang: str) -> str:
    """Where a version's Markdown source is published, byte for byte (one place for both
    languages, beside the default language's page)."""
    return f"versions/{version_id}/{lang}.md"


def shown_text_url(version_id: str, lang: str) -> str:
    """Where the text a visitor was shown is published, byte for byte: the Markdown the page is
    rendered from, the file whose SHA-256 every consent record names."""
    return f"versions/{version_id}/{lang}.shown.md"


DRAFT_NOTICE_FILE = "draft.json"
"""Published only by a draft build: each language's draft notice (title, text, the facts still
missing), so pages the service renders are marked as the site's are."""


def inventory_url(version_id: str) -> str:
    """Where a version's cookie inventory (``cookies.yml``) is published, byte for byte."""
    return f"versions/{version_id}/cookies.yml"


EMBED_PREFIX = "embed/v1/"
"""The banner for any page, on the policy site and on the company's other sites: a page needs
only ``<script src="https://<policy origin>/embed/v1/consent.js" async>``. Versioned, so that
what embedding sites rely on can change only under a new prefix. Everything below it may be
fetched from any origin (the service and nginx send CORS and CORP headers that say so)."""
EMBED_SCRIPT = f"{EMBED_PREFIX}consent.js"
EMBED_STYLESHEET = f"{EMBED_PREFIX}consent.css"


def embed_config_url(lang: str) -> str:
    """The banner's configuration in ``lang``, which the script fetches on another site: the
    version in effect, its hashes and inventory, and the dialog's markup in that language."""
    return f"{EMBED_PREFIX}config.{lang}.json"


def consent_log_url(lang: str) -> str:
    """The visitor's own consent log, served by the consent service."""
    return f"{prefix(lang)}consent-log"
