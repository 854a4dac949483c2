"""The languages every policy version is published in.

The first language is the site's default: served at ``/``, used when a request names none.
"""

from __future__ import annotations

LANGUAGES: tuple[str, ...] = ("sv", "en")

DEFAULT_LANGUAGE: str = LANGUAGES[0]

LANGUAGE_NAMES: dict[str, str] = {"sv": "Svenska", "en": "English"}
"""Each language named in itself, as a label (the language switcher, the consent log)."""

BABEL_LOCALES: dict[str, str] = {"sv": "sv_SE", "en": "en_GB"}
"""The locale dates and lists are formatted in: British English writes ``25 May 2018``."""
