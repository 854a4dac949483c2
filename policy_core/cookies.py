"""The names of the cookies this site's own code sets: the two the banner and the consent service
set, declared in every cookie inventory as necessary, and the colour scheme choice."""

from __future__ import annotations

CONSENT_COOKIE = "ps_consent"
"""The visitor's choice, kept by the banner so it is not asked again."""

VISITOR_COOKIE = "ps_visitor"
"""The visitor's random credential, set by the service with a choice it records under it."""

THEME_COOKIE = "ps_theme"
"""The visitor's light or dark colour scheme, kept only when an inventory declares it and the
visitor has accepted the category that does (``preferences`` from 2027-01-01)."""
