"""The root of the core's errors, so a command can report any of them in one place."""

from __future__ import annotations


class CoreError(Exception):
    """Something a published file or record says does not fit the contract; the message says
    what was expected and where."""
