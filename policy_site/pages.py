"""What the site consists of: every generated page and file, as data.

Given validated sources and an as-of date this module decides which pages and files the site
has and what each says: its context, title and description, the manifest, feeds and the
banner. Where each page goes is :mod:`policy_site.page_paths`; how a page is written (Jinja2
fragments from ``templates/``, front matter) is :mod:`policy_site.page_render`. It does not
import MkDocs: the plugin only hands these pages to MkDocs, so another generator could serve
the same content when Material for MkDocs is gone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property, partial
from typing import Any

from policy_core import manifest
from policy_core.hashing import sha256_hex
from policy_core.languages import LANGUAGES
from policy_core.urls import (
    DRAFT_NOTICE_FILE,
    MANIFEST_URL,
    inventory_url,
    prefix,
    shown_text_url,
    source_url,
    version_url,
)
from policy_core.versions import PolicyVersion, published_history
from policy_site import banner, feeds
from policy_site.checks import draft_placeholders
from policy_site.cookie_table import cookie_table
from policy_site.diff import DiffCache, render_html
from policy_site.facts import COOKIE_TABLE_KEY, VERSION_FACTS_FILE, Facts, substitute
from policy_site.i18n import load_translations, long_date
from policy_site.page_paths import changes_src, diff_src, home_src, version_src
from policy_site.page_render import environment, page_markdown, render_fragment, split_title
from policy_site.sources import PolicySources

DIFF_TEMPLATE = "diff-page.html"
"""The theme template of diff pages (``theme/diff-page.html``): it adds the diff stylesheet."""


@dataclass(frozen=True)
class GeneratedPage:
    src_uri: str
    lang: str
    markdown: str
    html: str | None = None
    """The body as HTML, for a page whose Markdown body is nothing but HTML blocks, which
    Markdown passes through unchanged: a generator may place it as it is instead of parsing
    all of it to the same result. Diff pages carry it; they are most of a site's Markdown."""


BANNER_TEMPLATE = "banner.html"
"""The banner's dialog (``templates/banner.html``): the one markup of it, on every site."""
DRAFT_NOTICE_TEMPLATE = "draft_notice.html"


@dataclass(frozen=True)
class Banner:
    """The cookie banner of one language: what its script reads and the dialog it shows."""

    config: dict[str, Any]
    """What ``theme/javascripts/consent.js`` reads (``banner.banner_config``), on every site."""
    html: str
    """The dialog, rendered from the configuration."""
    cookie_domain: str | None = None
    """The domain this site's own pages keep the choice for (the ``cookie_domain`` option)."""

    @property
    def page_config(self) -> dict[str, Any]:
        """What this site's pages carry: the configuration and, with the option, the cookie
        domain, which the script uses unless its tag says ``data-cookie-domain``."""
        if self.cookie_domain is None:
            return self.config
        return {**self.config, "cookie_domain": self.cookie_domain}

    def embed_config(self) -> bytes:
        """The file another site's page fetches: the configuration with the dialog in it, so
        that one request gives the script everything.

        Without the cookie domain: a site outside that domain could not keep the choice at all,
        so there the embedding page's ``data-cookie-domain`` alone decides."""
        return json.dumps({**self.config, "html": self.html}, ensure_ascii=False,
                          separators=(",", ":")).encode()


@dataclass(frozen=True)
class GeneratedFile:
    """A non-page file of the site (manifest, feeds)."""

    path: str
    content: bytes


class SiteContent:
    """The generated part of the site for one set of sources and one as-of date."""

    def __init__(self, sources: PolicySources, as_of: date, diffs: DiffCache | None = None) -> None:
        """``diffs`` may carry comparisons over from an earlier build (``mkdocs serve``)."""
        self.facts: Facts = sources.facts
        self.history, self.unpublished = published_history(sources.versions, as_of)
        translations = {lang: load_translations(lang) for lang in LANGUAGES}
        self._gettext: dict[str, Callable[[str], str]] = {
            lang: translations[lang].gettext for lang in LANGUAGES}
        self._envs = {lang: environment(lang, translations[lang]) for lang in LANGUAGES}
        self._pages: list[GeneratedPage] | None = None
        self._diffs = diffs if diffs is not None else DiffCache()

    # public -----------------------------------------------------------------------------------

    def page_uris(self) -> list[str]:
        """Where every generated page goes, in the order of :meth:`pages`, rendering none of them."""
        return [src for src, _render in self._plan()]

    def pages(self) -> list[GeneratedPage]:
        """Every generated page, rendered on first use and kept: the diffs make this the costly
        part of a build, so nothing should render it twice."""
        if self._pages is None:
            self._pages = [render() for _src, render in self._plan()]
        return self._pages

    def files(self) -> list[GeneratedFile]:
        files = [GeneratedFile(MANIFEST_URL, manifest.to_json(
            manifest.build(self.history, version_url, self.shown_text)))]
        for lang in LANGUAGES:
            files.append(GeneratedFile(f"{prefix(lang)}feed.atom", self.feed(lang)))
        files.extend(GeneratedFile(source_url(version.id, lang), version.text(lang).source)
                     for version in self.history for lang in LANGUAGES)
        files.extend(GeneratedFile(shown_text_url(version.id, lang),
                                   manifest.shown_text_bytes(self.shown_text(version, lang)))
                     for version in self.history for lang in LANGUAGES)
        files.extend(GeneratedFile(inventory_url(version.id), version.inventory.source)
                     for version in self.history if version.inventory is not None)
        files.extend(GeneratedFile(f"versions/{version.id}/{VERSION_FACTS_FILE}", overrides.source)
                     for version in self.history
                     if (overrides := self.facts.of(version.id).overrides) is not None)
        if self._draft_keys:
            notices = {lang: self.draft_notice(lang) for lang in LANGUAGES}
            files.append(GeneratedFile(DRAFT_NOTICE_FILE, manifest.to_json(notices)))
        return files

    def banner(self, lang: str, reprompt_days: int = banner.REPROMPT_DAYS,
               cookie_domain: str | None = None) -> Banner | None:
        """The cookie banner in ``lang``, or ``None`` when nothing needs consent; its pages keep
        the choice for ``cookie_domain`` when given (validated: ``policy_site.cookie_domain``)."""
        config = banner.banner_config(self.history, lang, self._gettext[lang], version_url,
                                      self.text_sha256, reprompt_days)
        if config is None:
            return None
        html = self._envs[lang].get_template(BANNER_TEMPLATE).render(config=config).strip()
        return Banner(config, html, cookie_domain)

    def text_sha256(self, version: PolicyVersion, lang: str) -> str:
        """The hash versions.json gives the text ``version``'s page shows in ``lang``."""
        return sha256_hex(manifest.shown_text_bytes(self.shown_text(version, lang)))

    def draft_notice(self, lang: str) -> dict[str, Any] | None:
        """What every page of a draft says at its top: the facts still to fill in, by key.

        ``None`` once no placeholder would reach a visitor (:func:`checks.draft_placeholders`).
        """
        if not self._draft_keys:
            return None
        _ = self._gettext[lang]
        notice = {"lang": lang, "title": _("Draft – details missing"),
                  "text": _("This site is a draft: these details are not filled in yet:"),
                  "missing": self._draft_keys}
        html = self._envs[lang].get_template(DRAFT_NOTICE_TEMPLATE).render(notice=notice).strip()
        return {**notice, "html": html}

    @cached_property
    def _draft_keys(self) -> list[str]:
        keys = (placeholder.key for placeholder
                in draft_placeholders(self.facts, self.history, self.unpublished))
        return list(dict.fromkeys(keys))

    def site_name(self, lang: str) -> str:
        _ = self._gettext[lang]
        return _("Privacy policy")

    # pages ------------------------------------------------------------------------------------

    def _plan(self) -> list[tuple[str, Callable[[], GeneratedPage]]]:
        """Every generated page as (source path, how to render it): the one list both
        :meth:`page_uris` and :meth:`pages` read."""
        plan: list[tuple[str, Callable[[], GeneratedPage]]] = []
        for lang in LANGUAGES:
            plan.append((home_src(lang), partial(self.home_page, lang)))
            plan.extend((version_src(v, lang), partial(self.version_page, v, lang)) for v in self.history)
            plan.append((changes_src(lang), partial(self.changes_page, lang)))
            plan.extend((diff_src(old, new, lang), partial(self.diff_page, old, new, lang))
                        for old, new in self.history.compared_pairs())
        return plan

    def home_page(self, lang: str) -> GeneratedPage:
        current = self.history.current
        assert current is not None, "validated by the plugin: some version is in effect"
        _ = self._gettext[lang]
        description = _("How we process your personal data: the privacy policy in effect from "
                        "%(date)s, with every earlier version and what changed.") % {
            "date": long_date(current.effective, lang)}
        return self._version_markdown(current, lang, home_src(lang), description)

    def version_page(self, version: PolicyVersion, lang: str) -> GeneratedPage:
        return self._version_markdown(version, lang, version_src(version, lang),
                                      self._version_description(version, lang))

    def changes_page(self, lang: str) -> GeneratedPage:
        src = changes_src(lang)
        html = render_fragment(self._envs[lang], "changes.html", lang, src, entries=[
            {"version": v, "text": v.text(lang), "status": self.history.status(v),
             "previous": self.history.previous(v), "current": self.history.current}
            for v in self.history.newest_first()
        ])
        _ = self._gettext[lang]
        title = _("Change history")
        description = _("Every version of the privacy policy, newest first: when each took "
                        "effect, what changed, and a word-by-word comparison with the one before.")
        return GeneratedPage(src, lang, page_markdown(title, html, description=description))

    def diff_page(self, old: PolicyVersion, new: PolicyVersion, lang: str) -> GeneratedPage:
        src = diff_src(old, new, lang)
        comparison = self._diffs.diff_documents(self.shown_text(old, lang), self.shown_text(new, lang))
        body = render_html(comparison, self._gettext[lang])
        html = render_fragment(self._envs[lang], "diff.html", lang, src, old=old, new=new,
                               body=body, status_old=self.history.status(old),
                               status_new=self.history.status(new))
        _ = self._gettext[lang]
        dates = {"old": long_date(old.effective, lang), "new": long_date(new.effective, lang)}
        title = _("Changes from %(old)s to %(new)s") % dates
        description = _("What changed in the privacy policy from the version of %(old)s to the "
                        "version of %(new)s, word by word and section by section.") % dates
        return GeneratedPage(src, lang, page_markdown(title, html, description=description,
                                                      template=DIFF_TEMPLATE), html=html)

    def shown_text(self, version: PolicyVersion, lang: str) -> str:
        """The text a visitor is shown, the one published as ``<lang>.shown.md`` and hashed as
        ``text_sha256``: the version's facts filled in (policy.yml's, or its own facts.yml's),
        the cookie table rendered."""
        facts = self.facts.of(version.id)

        def resolve(key: str) -> str:
            if key == COOKIE_TABLE_KEY:
                assert version.inventory is not None, "validated: a table needs an inventory"
                return cookie_table(version.inventory, lang, self._gettext[lang])
            value = facts.text(key, lang)
            assert value is not None, f"validated: the facts have {key}"
            return value

        return substitute(version.text(lang).body, resolve)

    def feed(self, lang: str) -> bytes:
        """The Atom feed; its author is the controller the current version names."""
        _ = self._gettext[lang]
        current = self.history.current
        author = self.facts.of(current.id) if current is not None else self.facts
        site_url = str(self.facts.raw("site.url"))
        return feeds.atom_feed(
            self.history,
            lang,
            title=_("Privacy policy: versions"),
            site_url=site_url,
            feed_path=f"{prefix(lang)}feed.atom",
            home_path=prefix(lang),
            tag_authority=str(self.facts.raw("site.tag_authority")),
            author=author.text("controller.name", lang) or "",
            entry_title=lambda v: f"{v.text(lang).title}: {long_date(v.effective, lang)}",
            url_for=version_url,
        )

    # helpers ----------------------------------------------------------------------------------

    def _version_markdown(
        self, version: PolicyVersion, lang: str, src: str, description: str
    ) -> GeneratedPage:
        text = version.text(lang)
        status = self.history.status(version)
        current = self.history.current
        context = {
            "version": version, "text": text, "status": status, "current": current,
            "announced": [
                (later, self.history.previous(later)) for later in self.history.upcoming
                if later.effective > version.effective and status != "superseded"
            ],
            "previous": self.history.previous(version),
        }
        header = render_fragment(self._envs[lang], "version_header.html", lang, src, **context)
        footer = render_fragment(self._envs[lang], "version_footer.html", lang, src, **context,
                                 source_path=source_url(version.id, lang))
        title_line, rest = split_title(self.shown_text(version, lang))
        markdown = "\n\n".join(part for part in (title_line, header, rest.strip("\n"), footer) if part)
        return GeneratedPage(src, lang, page_markdown(text.title, markdown, description=description))

    def _version_description(self, version: PolicyVersion, lang: str) -> str:
        """What search results show for a version's page: which version it is, then its summary."""
        _ = self._gettext[lang]
        lead = {
            "current": _("The privacy policy in effect from %(date)s."),
            "upcoming": _("The privacy policy that takes effect on %(date)s."),
            "superseded": _("The privacy policy that was in effect from %(date)s and has since "
                            "been replaced."),
        }[self.history.status(version)] % {"date": long_date(version.effective, lang)}
        return " ".join((lead, *version.text(lang).summary.split()))
