"""Localisation of the site: gettext catalogs for the generator's own strings, Babel for dates.

Catalogs live in ``policy_site/locale/<lang>/LC_MESSAGES/messages.po`` and are compiled in memory
(:mod:`policy_core.catalogs`). Message ids are English; the English catalog exists so
translators see every string.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from babel.support import Translations

from policy_core.catalogs import load_catalog
from policy_core.languages import BABEL_LOCALES


def load_translations(lang: str) -> Translations:
    """The compiled catalog of the site's strings for ``lang``."""
    return load_catalog("policy_site", lang)


def long_date(value: date, lang: str) -> str:
    """``25 maj 2018`` / ``25 May 2018``."""
    return format_date(value, format="long", locale=BABEL_LOCALES[lang])
