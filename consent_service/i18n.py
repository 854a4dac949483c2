"""Swedish and English texts of the service's pages, and Babel-formatted times.

The catalogs are ``consent_service/locale/<lang>/LC_MESSAGES/messages.po``, compiled in memory at
start (:mod:`policy_core.catalogs`), so the service never needs to write into its own package.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_datetime
from babel.support import Translations
from flask import Flask, g

from policy_core.catalogs import load_catalog
from policy_core.languages import BABEL_LOCALES, DEFAULT_LANGUAGE, LANGUAGES


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs (``make catalogs`` extracts it); translated where shown."""
    return message


CATEGORY_NAMES: dict[str, str] = {
    "necessary": N_("Necessary"),
    "preferences": N_("Preferences"),
    "functional": N_("Functional"),
    "statistics": N_("Statistics"),
    "media": N_("Media"),
    "marketing": N_("Marketing"),
}
"""The names of the cookie categories the inventories use; another category shows as its id."""


def load_translations() -> dict[str, Translations]:
    """One :class:`~babel.support.Translations` per language."""
    return {language: load_catalog("consent_service", language) for language in LANGUAGES}


def init_app(app: Flask, translations: dict[str, Translations]) -> None:
    def translations_now() -> Translations:
        return translations[g.get("language", DEFAULT_LANGUAGE)]

    def gettext(message: str) -> str:
        return translations_now().gettext(message)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return translations_now().ngettext(singular, plural, n)

    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    app.jinja_env.globals["category_name"] = lambda category: category_name(
        translations_now(), category)


def category_name(translations: Translations, category: str) -> str:
    """A cookie category's name in the language of ``translations``; an unknown one by its id."""
    name = CATEGORY_NAMES.get(category)
    return translations.gettext(name) if name else category


def format_moment(moment: dt.datetime, language: str, timezone: dt.tzinfo) -> str:
    """A record's time as a reader of ``language`` expects it, in ``timezone``."""
    return format_datetime(moment, format="long", tzinfo=timezone, locale=BABEL_LOCALES[language])
