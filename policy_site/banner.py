"""The cookie banner's configuration, derived from the current version's cookie inventory.

One inventory feeds both the policy's cookie table and the banner, so they cannot disagree: the
banner asks about exactly the categories the policy text lists, and every choice it records names
the policy version and the hashes of the text and inventory that were shown.

Pure: no MkDocs import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from policy_site.versions import History

CONSENT_ENDPOINT = "/api/v1/consents"
REPROMPT_DAYS = 365
"""Ask again after 12 months, the lifetime the policy text gives the ``ps_consent`` cookie."""


def banner_config(
    history: History, lang: str, _: Callable[[str], str], url_for: Callable[[str, str], str]
) -> dict[str, Any] | None:
    """What the banner script needs on a page in ``lang``; ``None`` if nothing needs consent."""
    current = history.current
    if current is None or current.inventory is None:
        return None
    inventory = current.inventory
    return {
        "lang": lang,
        "endpoint": CONSENT_ENDPOINT,
        "reprompt_days": REPROMPT_DAYS,
        "policy": {
            "version": current.id,
            "language": lang,
            "sha256": current.text(lang).sha256,
            "url": "/" + url_for(current.id, lang),
        },
        "inventory": inventory.sha256,
        "categories": [
            {
                "id": category.id,
                "required": category.required,
                "title": category.title[lang],
                "description": category.description[lang],
                "cookies": [
                    {"name": cookie.name, "provider": cookie.provider[lang],
                     "purpose": cookie.purpose[lang], "duration": cookie.duration[lang]}
                    for cookie in category.cookies
                ],
            }
            for category in inventory.categories
        ],
    }
