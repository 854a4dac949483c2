"""Where every generated page's source goes, which language any page is in, and how a page
links to another: the site's page layout, written once for the content and the plugin.

URLs: Swedish at the root, English under ``en/``; ``versions/<id>/`` is a version's permanent
URL, ``changes/`` the history, ``diff/<old>..<new>/`` the difference between two versions.
Source paths are those URLs with ``index.md``, as MkDocs turns them back into the URLs. Pure:
the plugin reads a page's language and counterpart here without the content being built.
"""

from __future__ import annotations

import posixpath

from policy_core.languages import LANGUAGES
from policy_core.urls import diff_url, prefix, version_url
from policy_core.versions import PolicyVersion


def language_of(src_uri: str) -> str:
    """The language of any page, generated or hand-written, from its path."""
    for lang in LANGUAGES[1:]:
        if src_uri.startswith(f"{lang}/"):
            return lang
    return LANGUAGES[0]


def counterpart(src_uri: str, lang: str) -> str:
    """The path of the same page in ``lang`` (it may not exist for hand-written pages)."""
    own = language_of(src_uri)
    bare = src_uri[len(prefix(own)):]
    return prefix(lang) + bare


def relative_url(target: str, base: str) -> str:
    """``target`` relative to the page at ``base`` (both site-relative, directory URLs)."""
    base_dir = base if base.endswith("/") or not base else posixpath.dirname(base) + "/"
    rel = posixpath.relpath("/" + target, "/" + base_dir)
    if target.endswith("/") or not target:
        rel = rel.rstrip("/") + "/"
    return "./" if rel == "./" or rel == "/" else rel


def home_src(lang: str) -> str:
    """The source path of a language's home page (the version in effect)."""
    return f"{prefix(lang)}index.md"


def version_src(version: PolicyVersion, lang: str) -> str:
    """The source path of a version's permanent page."""
    return f"{version_url(version.id, lang)}index.md"


def changes_src(lang: str) -> str:
    """The source path of the change history."""
    return f"{prefix(lang)}changes/index.md"


def diff_src(old: PolicyVersion, new: PolicyVersion, lang: str) -> str:
    """The source path of the page comparing ``old`` with ``new``."""
    return f"{diff_url(old.id, new.id, lang)}index.md"
