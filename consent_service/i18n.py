"""Swedish and English texts from gettext catalogs, and Babel-formatted dates.

The ``.po`` catalogs under ``translations/`` are the source; compiled ``.mo``
files are not kept in Git. At start-up a ``.mo`` that is present and newer than
its ``.po`` is used, otherwise the ``.po`` is compiled in memory, so the service
never needs to write into its own package.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask, g

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
CATALOG_DIR = Path(__file__).parent / "translations"
DOMAIN = "messages"


def load_translations(directory: Path = CATALOG_DIR) -> dict[str, Translations]:
    """One :class:`~babel.support.Translations` per language."""
    return {language: _load(directory, language) for language in LANGUAGES}


def _load(directory: Path, language: str) -> Translations:
    folder = directory / language / "LC_MESSAGES"
    po_path, mo_path = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo_path.is_file() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        with mo_path.open("rb") as mo_file:
            return Translations(mo_file, domain=DOMAIN)
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


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


def format_moment(moment: dt.datetime, language: str, timezone: dt.tzinfo) -> str:
    """A record's time as a reader of ``language`` expects it, in ``timezone``."""
    return format_datetime(moment, format="long", tzinfo=timezone, locale=language)
