"""The root of the site generator's errors, so a command can report any of them in one place."""

from __future__ import annotations


class PolicySiteError(Exception):
    """Something in the sources, the configuration or an input file cannot be used; the message
    says where and what to do about it."""
