"""The cookie banner's configuration, derived from the current version's cookie inventory.

One inventory feeds both the policy's cookie table and the banner, so they cannot disagree: the
banner asks about exactly the categories the policy text lists, and every choice it records names
the policy version and the hashes of the text and inventory that were shown.

``templates/banner.html`` renders the banner's dialog from this configuration (so the texts are in
the markup and the script stays small). The policy site's pages carry both, the configuration as
JSON for ``theme/javascripts/consent.js``; the build also writes them into
``embed/v1/config.<lang>.json``, which the same script fetches on the company's other sites.

Pure: no MkDocs import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel.lists import format_list

from policy_core.cookies import THEME_COOKIE
from policy_core.languages import BABEL_LOCALES, LANGUAGES
from policy_core.storage import COOKIE
from policy_core.urls import CONSENT_ENDPOINT, consent_log_url
from policy_core.versions import History, Inventory, PolicyVersion

REPROMPT_DAYS = 365
"""Ask again after 12 months: the lifetime the policy text gives the ``ps_consent`` cookie, within
the 13 months that supervisory authorities accept for a consent cookie (see README)."""

SETTINGS_PAGE = "cookie-settings/"
"""Hand-written page (``docs/cookie-settings.md``) that the settings link leads to without JS."""

THEME_DAYS = 365
"""How long ``ps_theme`` keeps the colour scheme: the 12 months the inventory gives it."""


def banner_config(
    history: History, lang: str, _: Callable[[str], str], url_for: Callable[[str, str], str],
    text_sha256: Callable[[PolicyVersion, str], str], reprompt_days: int = REPROMPT_DAYS,
) -> dict[str, Any] | None:
    """What the banner needs on a page in ``lang``; ``None`` if nothing needs consent.

    ``categories``, ``policy`` and ``inventory`` are what a recorded choice refers to, the
    policy by the hashes of its source and of the text the page shows (``text_sha256``);
    ``texts`` are the banner's own words in ``lang``. Each category's ``stored`` lists how its
    items' names cover what is in the browser (``policy_core.storage``), so the script deletes
    what a category not accepted stores without knowing the rule; ``scheme`` configures the
    colour scheme button, or is ``None`` when the inventory does not declare its cookie.
    """
    current = history.current
    if current is None or current.inventory is None:
        return None
    inventory = current.inventory
    categories = [
        {
            "id": category.id,
            "required": category.required,
            "title": category.title[lang],
            "description": category.description[lang],
            "cookies": [
                {"name": cookie.name, "storage": cookie.storage, "provider": cookie.provider[lang],
                 "purpose": cookie.purpose[lang], "duration": cookie.duration[lang]}
                for cookie in category.cookies
            ],
            "stored": [
                {"storage": cookie.storage, "name": match.text, "prefix": match.prefix}
                for cookie in category.cookies for match in inventory.name_matches(cookie)
            ],
        }
        for category in inventory.categories
    ]
    optional = [category["title"] for category in categories if not category["required"]]
    policy_url = "/" + url_for(current.id, lang)
    return {
        "lang": lang,
        "endpoint": CONSENT_ENDPOINT,
        "reprompt_days": reprompt_days,
        "policy": {
            "version": current.id,
            "language": lang,
            "sha256": current.text(lang).sha256,
            "text_sha256": text_sha256(current, lang),
            "url": policy_url,
        },
        "inventory": inventory.sha256,
        "categories": categories,
        "scheme": _scheme(inventory, _),
        "texts": _texts(_, optional, lang),
        "links": {
            "cookies": policy_url + "#cookies",
            "consent_log": "/" + consent_log_url(lang),
            "settings_page": ("" if lang == LANGUAGES[0] else f"{lang}/") + SETTINGS_PAGE,
        },
    }


def _scheme(inventory: Inventory, _: Callable[[str], str]) -> dict[str, Any] | None:
    """The light/dark button's settings: the cookie it may keep the choice in, the category whose
    consent that needs, for how long; ``None`` (no button) unless the inventory declares it."""
    category = inventory.declaring(COOKIE, THEME_COOKIE)
    if category is None:
        return None
    return {"cookie": THEME_COOKIE, "category": category.id, "days": THEME_DAYS,
            "label": _("Dark colour scheme")}


def _texts(_: Callable[[str], str], optional: list[str], lang: str) -> dict[str, str]:
    listed = format_list(optional, locale=BABEL_LOCALES[lang]) if optional else ""
    return {
        "title": _("Cookies on this site"),
        "intro": _("We use the cookies this site needs to remember your choice. With your consent "
                   "we also use cookies for: %(categories)s. You choose, and you can change your "
                   "choice at any time through “Cookie settings” at the bottom of every page.")
        % {"categories": listed},
        "more": _("How we use cookies"),
        "gpc": _("Your browser sends the Global Privacy Control signal, so we have switched off "
                 "every optional category. You can still switch them on in the settings."),
        "accept_all": _("Accept all"),
        "reject_all": _("Reject all"),
        "settings": _("Settings"),
        "settings_title": _("Cookie settings"),
        "settings_intro": _("Choose which categories you allow. Strictly necessary cookies are "
                            "always active. You can change your choice at any time."),
        "always_active": _("always active"),
        "cookies_used": _("Cookies in this category"),
        "provider": _("Provider"),
        "duration": _("Storage period"),
        "consent_log": _("Your consent log"),
        "save": _("Save my choices"),
        "close": _("Close"),
    }
