"""gettext catalogs compiled in memory from their ``.po`` files.

Catalogs are kept as ``.po`` only: no binary file in the repository, no compile step to forget,
and a service never writes into its own package. Both packages keep theirs under
``<package>/locale/<lang>/LC_MESSAGES/messages.po`` and load them through :func:`load_catalog`.
"""

from __future__ import annotations

from importlib import resources
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from policy_core.languages import BABEL_LOCALES

DOMAIN = "messages"


def load_catalog(package: str, lang: str) -> Translations:
    """The compiled catalog of ``package`` for ``lang`` (fuzzy entries are ignored, as gettext
    does)."""
    po = resources.files(package) / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=BABEL_LOCALES[lang], domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)
