"""The MkDocs plugin: a thin adapter between MkDocs events and ``pages.SiteContent``.

Everything the site says is decided in pure modules; this file only validates early (so a broken
source aborts before MkDocs cleans the output folder, leaving the last good site in place), hands
generated pages and files to MkDocs (placing the HTML of a page that is nothing but HTML after
Markdown, which would only return it unchanged), and gives every page the navigation, UI language
and language switcher of its own language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page

from policy_core.languages import LANGUAGE_NAMES, LANGUAGES
from policy_core.urls import EMBED_SCRIPT, EMBED_STYLESHEET, embed_config_url, prefix
from policy_site.as_of import AsOfError, resolve_as_of
from policy_site.checks import unfinished_summaries, unpublishable_facts
from policy_site.config import PolicySiteConfig
from policy_site.diff import DiffCache
from policy_site.page_paths import counterpart, language_of
from policy_site.pages import Banner, SiteContent
from policy_site.publish import PublishModeError, resolve_publish
from policy_site.sources import SourceError, load_sources

log = get_plugin_logger(__name__)


class PolicySitePlugin(BasePlugin[PolicySiteConfig]):
    def __init__(self) -> None:
        self.serving = False
        self.publish = False
        self.content: SiteContent | None = None
        self.sources_dir: Path | None = None
        self.navigations: dict[str, Navigation] = {}
        self.files = Files([])
        self.prerendered: dict[str, str] = {}
        self.banners: dict[str, Banner | None] = {}
        self.diffs = DiffCache()
        """Kept with the plugin, which MkDocs keeps across the rebuilds of ``mkdocs serve``
        (it has ``on_startup``), so a reload compares only the texts that changed."""

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Remember whether this is a preview (``mkdocs serve``) or a build to publish."""
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        try:
            as_of = resolve_as_of(self.config.as_of)
            self.publish = resolve_publish(self.config.publish)
        except (AsOfError, PublishModeError) as error:
            raise PluginError(str(error)) from None
        self.sources_dir = Path(config.config_file_path).parent / self.config.sources
        try:
            sources = load_sources(self.sources_dir)
        except SourceError as error:
            for problem in error.problems:
                log.error(str(problem))
            raise PluginError(
                f"{len(error.problems)} problem(s) in {self.config.sources}/: nothing was built "
                "and the previously built site is untouched"
            ) from None
        self.diffs = self.diffs.next_build()
        self.content = SiteContent(sources, as_of, self.diffs)
        # The public address, once policy.yml knows it, makes canonical links and the sitemap.
        config.site_url = config.site_url or self.content.facts.known("site.url")
        self._report(as_of, sources.versions)
        self._refuse_unfinished(config)
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.content is not None
        for page in self.content.pages():
            files.append(File.generated(config, page.src_uri, content=page.markdown,
                                        inclusion=InclusionLevel.NOT_IN_NAV))
        self.prerendered = {page.src_uri: page.html for page in self.content.pages()
                            if page.html is not None}
        for generated in self.content.files():
            files.append(_static_file(config, generated.path, generated.content))
        self.banners = {lang: self.content.banner(lang, self.config.reprompt_days, self.config.cookie_domain)
                        for lang in LANGUAGES}
        for lang, banner in self.banners.items():
            if banner is not None:
                files.append(_static_file(config, embed_config_url(lang), banner.embed_config()))
        _place_banner_assets(files)
        log.debug(f"diffs: {self.diffs.computed} compared, {self.diffs.reused} reused")
        return files

    def on_nav(self, nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
        """Split the configured navigation into one per language; pages get their own."""
        self.files = files
        for lang in LANGUAGES:
            items = [item for item in nav.items if _language_of_item(item) == lang]
            pages = [page for page in nav.pages if language_of(page.file.src_uri) == lang]
            for before, after in zip(pages, pages[1:], strict=False):
                before.next_page, after.previous_page = after, before
            if pages:
                pages[0].previous_page, pages[-1].next_page = None, None
            self.navigations[lang] = Navigation(items, pages)
        return self.navigations[LANGUAGES[0]]

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        """A page that is nothing but HTML skips Markdown, which would parse all of it (a diff
        page holds the whole policy twice over) only to return it unchanged."""
        return _PRERENDERED if page.file.src_uri in self.prerendered else markdown

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        body = self.prerendered.get(page.file.src_uri)
        if body is None:
            return html
        if html != _PRERENDERED:
            raise PluginError(f"{page.file.src_uri}: its Markdown was changed on the way to HTML "
                              f"(expected {_PRERENDERED!r}, got {html[:80]!r}): policy-site places "
                              "this page's HTML itself and cannot combine it with that change")
        return body

    def on_page_context(
        self, context: dict[str, Any], page: Page, config: MkDocsConfig, nav: Navigation
    ) -> dict[str, Any]:
        """Give the page the navigation, UI language and switcher of its language.

        Material reads the UI language and the switcher's links from the configuration, so they
        are set for each page as it is rendered (pages render one at a time).
        """
        assert self.content is not None
        if not page.meta.get("description"):
            log.warning(f"{page.file.abs_src_path or page.file.src_uri}: no 'description' in the "
                        "front matter: write a sentence that says what the page is for, in its "
                        "language (search results show it)")
        lang = language_of(page.file.src_uri)
        context["nav"] = self.navigations[lang]
        context["ps_lang"] = lang
        _banner_context(context, self.banners[lang])
        context["ps_draft"] = self.content.draft_notice(lang)
        config.theme["language"] = lang
        config["site_name"] = self.content.site_name(lang)
        config.extra["alternate"] = [
            {"name": LANGUAGE_NAMES[other], "lang": other,
             "link": _url_of(self.files, counterpart(page.file.src_uri, other)) or prefix(other) or "./"}
            for other in LANGUAGES
        ]
        return context

    def on_template_context(
        self, context: dict[str, Any], template_name: str, config: MkDocsConfig
    ) -> dict[str, Any]:
        """The 404 page is a theme template, not a page: give it the default language's banner.

        The sitemap gets, for every page to be indexed, its address in each language: that is
        where the site states its hreflang alternates (see ``theme/main.html``).
        """
        assert self.content is not None
        if template_name == "404.html":
            context["ps_lang"] = LANGUAGES[0]
            _banner_context(context, self.banners[LANGUAGES[0]])
            context["ps_draft"] = self.content.draft_notice(LANGUAGES[0])
        if template_name == "sitemap.xml":
            context["ps_sitemap"] = [
                (file.page, _alternates(self.files, file.src_uri))
                for file in self.files.documentation_pages() if _in_sitemap(file.page)]
        return context

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        """Live-reload ``mkdocs serve`` when a policy source changes."""
        if self.sources_dir is not None:
            server.watch(str(self.sources_dir))
        return server

    def _refuse_unfinished(self, config: MkDocsConfig) -> None:
        """Checked before MkDocs cleans the output folder, so a refusal loses nothing.

        A hand-written page must not shadow a generated one, and a summary still marked
        PLACEHOLDER (as ``policy-site new`` leaves it) may be previewed but never published. A
        build for publishing also refuses every placeholder fact a draft would mark.
        """
        assert self.content is not None
        problems = [f"{config.docs_dir}/{src_uri}: would replace a generated page: rename "
                    "or remove it" for src_uri in self.content.page_uris()
                    if (Path(config.docs_dir) / src_uri).exists()]
        if not self.serving:
            problems += [str(problem) for problem in unfinished_summaries(self.content.history)]
        if self.publish:
            problems += [str(problem) for problem in unpublishable_facts(
                self.content.facts, self.content.history, self.content.unpublished)]
        for problem in problems:
            log.error(problem)
        if problems:
            raise PluginError(f"{len(problems)} problem(s): nothing was built and the previously "
                              "built site is untouched")

    def _report(self, as_of: Any, all_versions: list) -> None:
        assert self.content is not None
        history = self.content.history
        current = history.current
        if current is None:
            earliest = min((v.effective for v in all_versions), default=None)
            raise PluginError(f"no policy version is in effect on {as_of}: the earliest takes "
                              f"effect on {earliest}")
        log.info(f"as of {as_of}: current version {current.id}, upcoming "
                 f"{', '.join(v.id for v in history.upcoming) or 'none'}")
        for version in self.content.unpublished:
            log.info(f"version {version.id} is left out: it is published on {version.published}")
        placeholders = self.content.facts.written_placeholders()
        if placeholders:
            log.info(f"{len(placeholders)} placeholder(s) in {self.config.sources}/ still to fill in:")
            for placeholder in placeholders:
                log.info(f"  {placeholder.path}:{placeholder.line}: {placeholder.key} = "
                         f"{placeholder.value!r}")


_PRERENDERED = "<!-- policy-site: HTML placed after Markdown -->"
"""What a prerendered page gives Markdown: a comment, which Markdown returns as it is."""


BANNER_ASSETS = {"javascripts/consent.min.js": EMBED_SCRIPT, "stylesheets/consent.min.css": EMBED_STYLESHEET}
"""The banner's minified script and stylesheet in the theme, and where the site publishes them:
under the embed prefix, which every page of the company's sites loads them from, this site's
own pages included, so that there is one copy of the banner."""


def _place_banner_assets(files: Files) -> None:
    for source, destination in BANNER_ASSETS.items():
        file = files.get_file_from_path(source)
        if file is None:
            raise PluginError(f"the theme has no {source}: run `npm run build:assets` in the project")
        file.dest_uri = destination


def _banner_context(context: dict[str, Any], banner: Banner | None) -> None:
    """What the theme needs to show the banner: its configuration and its dialog."""
    context["ps_consent_config"] = banner.page_config if banner else None
    context["ps_consent_html"] = banner.html if banner else None
    context["ps_consent_files"] = {"script": EMBED_SCRIPT, "stylesheet": EMBED_STYLESHEET}


def _static_file(config: MkDocsConfig, path: str, content: bytes) -> File:
    """A file copied as is. MkDocs would render a ``.md`` as a page, so a published Markdown
    source gets another source name and its real destination."""
    if not path.endswith(".md"):
        return File.generated(config, path, content=content)
    file = File.generated(config, path + ".source", content=content)
    file.dest_uri = path
    return file


def _language_of_item(item: Any) -> str:
    if isinstance(item, Section):
        return _language_of_item(item.children[0]) if item.children else LANGUAGES[0]
    file = getattr(item, "file", None)
    return language_of(file.src_uri) if file is not None else LANGUAGES[0]


def _in_sitemap(page: Page | None) -> bool:
    """A page has a public address (once ``site.url`` is known) and does not opt out of search
    engines' indexes with ``robots: noindex`` in its front matter."""
    return page is not None and page.canonical_url is not None and (
        "noindex" not in str(page.meta.get("robots", "")))


def _alternates(files: Files, src_uri: str) -> list[tuple[str, str]]:
    """``(language, absolute URL)`` of the page in every language it exists in."""
    found = []
    for lang in LANGUAGES:
        file = files.get_file_from_path(counterpart(src_uri, lang))
        if file is not None and file.page is not None and _in_sitemap(file.page):
            found.append((lang, file.page.canonical_url))
    return found


def _url_of(files: Files, src_uri: str) -> str | None:
    file = files.get_file_from_path(src_uri)
    return file.url if file is not None else None
