"""The Atom feeds: one per language, an entry per version, for readers who follow changes.

Pure: no MkDocs import. Output is deterministic (no build time), so two builds of the same
sources and as-of date are byte-identical. The machine-readable manifest is
:mod:`policy_core.manifest`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

from policy_core.manifest import UrlFor
from policy_core.versions import History, PolicyVersion

ATOM_NS = "http://www.w3.org/2005/Atom"


def atom_feed(
    history: History,
    lang: str,
    *,
    title: str,
    site_url: str,
    feed_path: str,
    home_path: str,
    tag_authority: str,
    author: str,
    entry_title: Callable[[PolicyVersion], str],
    url_for: UrlFor,
) -> bytes:
    """An RFC 4287 feed with one entry per version, newest first.

    Entry ids are ``tag:`` URIs (RFC 4151) built from the version id and language, so they stay
    the same across builds and hosts; ``updated`` is the publication date, the moment a version
    became news.
    """

    def element(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
        node = ET.SubElement(parent, name, attrs)
        if text is not None:
            node.text = text
        return node

    # The default namespace is written as a plain attribute: ElementTree's prefix registry is
    # process-wide state, and un-prefixed names keep the output identical across runs.
    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": lang})
    element(feed, "id", f"tag:{tag_authority}:privacy-policy/{lang}")
    element(feed, "title", title)
    newest = max((v.published for v in history), default=history.as_of)
    element(feed, "updated", _timestamp(newest))
    element(feed, "link", rel="self", href=urljoin(site_url, feed_path))
    element(feed, "link", rel="alternate", href=urljoin(site_url, home_path))
    element(element(feed, "author"), "name", author)
    for version in history.newest_first():
        text = version.text(lang)
        entry = element(feed, "entry")
        element(entry, "id", f"tag:{tag_authority}:privacy-policy/{version.id}/{lang}")
        element(entry, "title", entry_title(version))
        element(entry, "published", _timestamp(version.published))
        element(entry, "updated", _timestamp(version.published))
        element(entry, "link", rel="alternate", type="text/html",
                href=urljoin(site_url, url_for(version.id, lang)))
        element(entry, "summary", text.summary)
        element(entry, "category", term=version.change_type)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _timestamp(value: Any) -> str:
    return f"{value.isoformat()}T00:00:00Z"
