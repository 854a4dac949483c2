"""A version's cookie inventory as the Markdown its ``{{ cookie_table }}`` stands for.

Markdown rather than HTML so the section-aware diff compares it row by row like any text, and
the same in the pages, the shown text and its hash.

Pure: no MkDocs import.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from policy_core.storage import COOKIE
from policy_core.versions import Cookie, Inventory


def cookie_table(inventory: Inventory, lang: str, _: Callable[[str], str]) -> str:
    """The inventory as Markdown: categories as a list, then one table of every cookie."""
    lines = []
    for category in inventory.categories:
        state = _("always active") if category.required else _("only with your consent")
        lines.append(f"- **{_cell(category.title[lang])}** ({state}): {_cell(category.description[lang])}")
    lines.append("")
    header = (_("Category"), _("Cookie"), _("Provider"), _("Purpose"), _("Storage period"))
    lines.append("| " + " | ".join(header) + " |")
    lines.append("| --- | --- | --- | --- | --- |")
    for category in inventory.categories:
        for cookie in category.cookies:
            lines.append("| " + " | ".join(_cell(value) for value in (
                category.title[lang], item_name(cookie), cookie.provider[lang],
                cookie.purpose[lang], cookie.duration[lang])) + " |")
    return "\n".join(lines)


def item_name(item: Cookie) -> str:
    """An item's name as the policy shows it, with where it is kept unless it is a cookie:
    ``ps_x`` (localStorage). A cookie shows its name alone, as every table before storage kinds
    existed did, so texts already published render unchanged."""
    name = f"`{item.name}`"
    return name if item.storage == COOKIE else f"{name} ({item.storage})"


def _cell(text: str) -> str:
    """One table cell: line breaks folded (U+00A0 kept, it is meant), pipes escaped."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip().replace("|", "\\|")
