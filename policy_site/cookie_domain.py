"""The domain the policy site keeps the visitor's choice for: the rule for the plugin's
``cookie_domain`` option.

A choice kept for ``.example.se`` holds on every site of the company under it (``www``, the
portal, the policy site), as one made on a page embedding the banner with
``data-cookie-domain=".example.se"`` does. Without the option the policy site keeps it for its
own host. A browser silently refuses a cookie for a top-level domain alone (or an address),
so such a value is refused at build time instead of losing every visitor's choice on the site.
A well-formed domain the page is not under (a typo such as ``.exmaple.se``, or a preview on
127.0.0.1) cannot be known here: the banner then keeps the choice for the page's host, as
without the option.

Pure: no MkDocs import.
"""

from __future__ import annotations

import re

from policy_site.errors import PolicySiteError

LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
"""One label of a host name (RFC 1123): letters, digits and hyphens, not at either end."""
MAX_LENGTH = 253
EXAMPLE = ".example.se"


class CookieDomainError(PolicySiteError):
    """The cookie domain is not a domain name a browser would keep a cookie for."""


def parse_cookie_domain(text: str) -> str | None:
    """``text`` as the ``Domain`` of the ``ps_consent`` cookie: lower-cased, with the leading dot
    the banner's ``data-cookie-domain`` is written with; ``None`` for an empty text (the choice
    kept for each host alone).

    Refused, with a message that quotes ``text`` and says what to write: anything but a domain
    name (a scheme, port, path, space or other character), an IP address, and a single label
    (``.se``). A public suffix of more labels (``.co.uk``) passes: only the public suffix list
    knows it, and the browser refuses the cookie.
    """
    if not text:
        return None
    name = text.lower().removeprefix(".")
    if "/" in name or ":" in name:
        raise CookieDomainError(f"{text!r} is not a domain name: write the domain alone, such as "
                                f"{EXAMPLE}, with no scheme, port or path")
    labels = name.split(".")
    bad = [label for label in labels if not LABEL.fullmatch(label)]
    if bad or len(name) > MAX_LENGTH:
        problem = (f"longer than {MAX_LENGTH} characters" if not bad
                   else f"label {bad[0]!r}" if bad[0] else "an empty label")
        raise CookieDomainError(
            f"{text!r} is not a domain name ({problem}): write labels of letters a-z, digits and "
            f"inner hyphens joined by dots, such as {EXAMPLE} (an internationalised name in its "
            "ASCII form, xn--…)")
    if labels[-1].isdigit():
        raise CookieDomainError(f"{text!r} is an IP address: a choice kept for the whole domain "
                                f"needs a domain name, such as {EXAMPLE}")
    if len(labels) < 2:
        raise CookieDomainError(f"{text!r} is a top-level domain alone, which browsers keep no "
                                f"cookie for: write the company's domain, such as {EXAMPLE}")
    return "." + name
