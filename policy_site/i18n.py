"""Localisation: gettext catalogs for our own strings, Babel for dates.

Catalogs are kept as ``.po`` only (``locale/<lang>/LC_MESSAGES/messages.po``) and compiled in
memory when loaded, so there is no build step to forget and no binary file in the repository.
Message ids are English; the English catalog exists so translators see every string.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from io import BytesIO

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

BABEL_LOCALES: dict[str, str] = {"sv": "sv_SE", "en": "en_GB"}
"""Locale used for formatting in each site language: British English writes ``25 May 2018``."""

LANGUAGE_NAMES: dict[str, str] = {"sv": "Svenska", "en": "English"}


def load_translations(lang: str) -> Translations:
    """The compiled catalog for ``lang`` (fuzzy entries are ignored, as gettext does)."""
    po = resources.files("policy_site") / "locale" / lang / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=BABEL_LOCALES[lang])
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def long_date(value: date, lang: str) -> str:
    """``25 maj 2018`` / ``25 May 2018``."""
    return format_date(value, format="long", locale=BABEL_LOCALES[lang])
