"""What a site may keep in the visitor's browser, and when a declared name covers what is there.

A version's inventory declares every item the site stores on the visitor's device: cookies and
``localStorage`` and ``sessionStorage`` keys. The banner deletes the items of each category the
visitor has not accepted, and a scanner checks that nothing undeclared is stored. Both ask the
question answered here, so they cannot disagree: does this declared name cover that item?

**The rule.** A declared name that ends in ``.*`` is a *pattern*: ``_pk_id.*`` covers every name
that begins with ``_pk_id.``, whatever follows (Matomo adds the site's number and a hash of the
domain: ``_pk_id.1.a3f2``). Nothing else is a pattern: any other name covers exactly that name,
and ``*`` may appear nowhere else in a name. Patterns and names are compared per storage kind:
a cookie never covers a ``localStorage`` key of the same name.

**Inventories written before patterns existed** (the version of 2026-11-01) named Matomo's cookies
by their stem, ``_pk_id``, and the banner in effect with them deleted ``_pk_id`` and every
``_pk_id.…``. Such an inventory is still read that way (``stems=True``: each name also covers
its dotted forms), so a version in effect keeps meaning what it meant when it took effect.

Pure: the standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COOKIE = "cookie"
STORAGE_KINDS: tuple[str, ...] = (COOKIE, "localStorage", "sessionStorage")
"""Where an item is kept: a cookie, or a key of the browser's ``localStorage`` or
``sessionStorage``. An item without ``storage`` in ``cookies.yml`` is a cookie."""

PATTERN_SUFFIX = ".*"

_COOKIE_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
"""RFC 6265's cookie-name: a token, so no spaces, controls or ``()<>@,;:\\"/[]?={}``."""


@dataclass(frozen=True)
class NameMatch:
    """One way a declared name covers names found in the browser: ``text`` exactly, or, as a
    prefix, every name that starts with ``text``. The banner receives these as they are."""

    text: str
    prefix: bool

    def covers(self, name: str) -> bool:
        return name.startswith(self.text) if self.prefix else name == self.text

    def overlaps(self, other: NameMatch) -> bool:
        """True when some name is covered by both."""
        if self.prefix and other.prefix:
            return self.text.startswith(other.text) or other.text.startswith(self.text)
        if other.prefix:
            return other.covers(self.text)
        return self.covers(other.text)


def is_pattern(name: str) -> bool:
    return name.endswith(PATTERN_SUFFIX)


def name_matches(name: str, *, stems: bool = False) -> tuple[NameMatch, ...]:
    """How the declared ``name`` covers names found in the browser (see the module's rule)."""
    if is_pattern(name):
        return (NameMatch(name[: -len("*")], prefix=True),)
    if stems:
        return NameMatch(name, prefix=False), NameMatch(name + ".", prefix=True)
    return (NameMatch(name, prefix=False),)


def covers(declared: str, name: str, *, stems: bool = False) -> bool:
    """True when the declared name ``declared`` covers the name ``name`` found in the browser."""
    return any(match.covers(name) for match in name_matches(declared, stems=stems))


def storage_problem(storage: object) -> str | None:
    """Why ``storage`` is not a storage kind, or ``None`` when it is one."""
    if storage in STORAGE_KINDS:
        return None
    return (f"'storage' must be one of {', '.join(STORAGE_KINDS)} (leave it out for a cookie), "
            f"not {storage!r}")


def name_problem(name: object, storage: str = COOKIE) -> str | None:
    """Why ``name`` cannot be declared for ``storage``, or ``None`` when it can."""
    if not isinstance(name, str) or not name.strip():
        return "'name' must be non-empty text"
    stem = name[: -len(PATTERN_SUFFIX)] if is_pattern(name) else name
    if "*" in stem:
        return (f"'name' {name!r}: '*' is allowed only at the end, after a dot, for a pattern "
                "such as _pk_id.* (every name that starts with _pk_id.)")
    if not stem:
        return f"'name' {name!r}: a pattern needs the start of the name before '.*', as in _pk_id.*"
    if storage == COOKIE and not _COOKIE_NAME.fullmatch(stem):
        return (f"'name' {name!r} is not a cookie name: no spaces and none of "
                "( ) < > @ , ; : \\ \" / [ ] ? = { }")
    return None
