"""The plugin's options, declared and validated in one place.

``mkdocs.yml``::

    plugins:
      - policy-site:
          sources: policy_src      # folder with policy.yml and versions/
          as_of: null              # YYYY-MM-DD; default: $POLICY_AS_OF, else today
          reprompt_days: 365       # the banner asks again after this many days

The as-of date decides which version is current and which are upcoming; builds are
reproducible only with it fixed (``POLICY_AS_OF`` together with ``SOURCE_DATE_EPOCH``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date

from mkdocs.config import base
from mkdocs.config import config_options as c

AS_OF_ENV = "POLICY_AS_OF"


class PolicySiteConfig(base.Config):
    sources = c.Type(str, default="policy_src")
    as_of = c.Optional(c.Type(str))
    reprompt_days = c.Type(int, default=365)

    def post_validation(self) -> None:
        if self.reprompt_days < 1:
            raise c.ValidationError(f"reprompt_days must be a positive number of days, not "
                                    f"{self.reprompt_days}")


class AsOfError(ValueError):
    """The as-of date is not a date; the message says where it came from."""


def resolve_as_of(option: str | None, environ: Mapping[str, str] = os.environ) -> date:
    """The as-of date from the option, else ``$POLICY_AS_OF``, else today."""
    value, origin = option, "plugin option 'as_of'"
    if value is None and environ.get(AS_OF_ENV):
        value, origin = environ[AS_OF_ENV], AS_OF_ENV
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise AsOfError(f"{origin}={value!r} is not a date: write it as YYYY-MM-DD") from None
