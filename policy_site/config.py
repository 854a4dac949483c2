"""The plugin's options, declared and validated in one place.

``mkdocs.yml``::

    plugins:
      - policy-site:
          sources: policy_src      # folder with policy.yml and versions/
          as_of: 2027-01-01        # optional; default: $POLICY_AS_OF, else today
          reprompt_days: 365       # the banner asks again after this many days
          publish: true            # optional; refuse placeholders instead of marking a draft

Without ``as_of`` the date comes from :func:`policy_site.as_of.resolve_as_of`, which reads
``$POLICY_AS_OF``. ``as_of: !ENV [SOME_VARIABLE, null]`` works too, for a date kept in another
variable, but MkDocs' YAML reader stops with a traceback when that variable holds an impossible
day (``2026-02-30``) before any plugin can say so; the rule's own reading of ``POLICY_AS_OF``
reports it as a message, which is why the shipped ``mkdocs.yml`` leaves ``as_of`` out.

``publish`` defaults to false: the build is a draft unless it or ``$POLICY_PUBLISH`` says
otherwise (:func:`policy_site.publish.resolve_publish`).
"""

from __future__ import annotations

from datetime import date, datetime

from mkdocs.config import base
from mkdocs.config import config_options as c

from policy_site.as_of import AsOfError, parse_day


class Day(c.BaseConfigOption[date]):
    """A day: a YAML date (``2027-01-01``, also what ``!ENV`` reads from such a text) or the same
    in quotes, which must exist on the calendar."""

    def run_validation(self, value: object) -> date:
        if isinstance(value, datetime):
            raise c.ValidationError(f"{value} is a date and time: write the day only, as YYYY-MM-DD")
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return parse_day(value)
            except AsOfError as error:
                raise c.ValidationError(str(error)) from None
        raise c.ValidationError(f"{value!r} is not a date: write it as YYYY-MM-DD")


class PolicySiteConfig(base.Config):
    sources = c.Type(str, default="policy_src")
    as_of = c.Optional(Day())
    reprompt_days = c.Type(int, default=365)
    publish = c.Type(bool, default=False)

    def post_validation(self) -> None:
        if self.reprompt_days < 1:
            raise c.ValidationError(f"reprompt_days must be a positive number of days, not "
                                    f"{self.reprompt_days}")
