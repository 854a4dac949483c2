"""The names of the two cookies the banner and the consent service set, declared in every
cookie inventory as necessary."""

from __future__ import annotations

CONSENT_COOKIE = "ps_consent"
"""The visitor's choice, kept by the banner so it is not asked again."""

VISITOR_COOKIE = "ps_visitor"
"""The visitor's random credential, set by the service with a choice it records under it."""
