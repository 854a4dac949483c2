"""A choice as the banner posts it, built from a site's ``versions.json``.

The policy reference (the version, the language, and the hashes of the published and of the shown
text) and the request body around it have one owner here: the browser tests' expected records,
the production stack's requests and the consent service's fixture site
(``testbed.consent.fixture_choice``) all build them with these functions, so a change to the
body's shape is made once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def manifest_entry(site: Path, version: str | None = None) -> dict[str, Any]:
    """``version``'s entry in the built site's ``versions.json``; the current one without it."""
    manifest = json.loads((site / "versions.json").read_text(encoding="utf-8"))
    wanted = manifest["current"] if version is None else version
    return next(entry for entry in manifest["versions"] if entry["id"] == wanted)


def policy_ref(entry: dict[str, Any], language: str) -> dict[str, str]:
    """What a choice says it was made on: ``entry``'s version in ``language``, with both hashes."""
    edition = entry["languages"][language]
    return {"version": entry["id"], "language": language, "sha256": edition["sha256"],
            "text_sha256": edition["text_sha256"]}


def choice_body(entry: dict[str, Any], language: str = "sv", action: str = "accept_all",
                categories: dict[str, bool] | None = None, source: str = "banner") -> dict[str, Any]:
    """The body of ``POST /api/v1/consents`` for a choice on ``entry``'s version and inventory.

    Without ``categories``, *Accept all* grants every category of the inventory and any other
    action only the required ones, as the banner's buttons do.
    """
    inventory = entry["inventory"]
    if categories is None:
        categories = {category: action == "accept_all" or category in inventory["required"]
                      for category in inventory["categories"]}
    return {"action": action, "categories": categories, "policy": policy_ref(entry, language),
            "inventory": inventory["sha256"], "source": source}
