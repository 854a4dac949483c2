"""The plugin's options, declared and validated in one place.

``mkdocs.yml``::

    plugins:
      - policy-site:
          sources: policy_src      # folder with policy.yml and versions/
          as_of: 2027-01-01        # optional; default: $POLICY_AS_OF, else today
          reprompt_days: 365       # the banner asks again after this many days
          publish: true            # optional; refuse placeholders instead of marking a draft
          cookie_domain: .example.se   # optional; keep the banner's choice for the whole domain

Without ``as_of`` the date comes from :func:`policy_site.as_of.resolve_as_of`, which reads
``$POLICY_AS_OF``. ``as_of: !ENV [SOME_VARIABLE, null]`` works too, for a date kept in another
variable, but MkDocs' YAML reader stops with a traceback when that variable holds an impossible
day (``2026-02-30``) before any plugin can say so; the rule's own reading of ``POLICY_AS_OF``
reports it as a message, which is why the shipped ``mkdocs.yml`` leaves ``as_of`` out.

``publish`` defaults to false: the build is a draft unless it or ``$POLICY_PUBLISH`` says
otherwise (:func:`policy_site.publish.resolve_publish`).

``cookie_domain`` (:func:`policy_site.cookie_domain.parse_cookie_domain`) is left out, or empty,
for a choice kept for the policy site's host alone; ``cookie_domain: !ENV [POLICY_COOKIE_DOMAIN,
null]`` takes it from the environment.
"""

from __future__ import annotations

from datetime import date, datetime

from mkdocs.config import base
from mkdocs.config import config_options as c

from policy_site.as_of import AsOfError, parse_day
from policy_site.cookie_domain import EXAMPLE, CookieDomainError, parse_cookie_domain


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


class CookieDomain(c.BaseConfigOption[str | None]):
    """The domain the banner keeps the choice for, as the ``ps_consent`` cookie's ``Domain``
    (``.example.se``); an empty text is no domain, as an absent option is."""

    def run_validation(self, value: object) -> str | None:
        if not isinstance(value, str):
            raise c.ValidationError(f"{value!r} is not a domain name: write one such as {EXAMPLE}, "
                                    "or leave the option out to keep the choice for each host alone")
        try:
            return parse_cookie_domain(value)
        except CookieDomainError as error:
            raise c.ValidationError(str(error)) from None


class PolicySiteConfig(base.Config):
    sources = c.Type(str, default="policy_src")
    as_of = c.Optional(Day())
    reprompt_days = c.Type(int, default=365)
    publish = c.Type(bool, default=False)
    cookie_domain = c.Optional(CookieDomain())

    def post_validation(self) -> None:
        if self.reprompt_days < 1:
            raise c.ValidationError(f"reprompt_days must be a positive number of days, not "
                                    f"{self.reprompt_days}")
