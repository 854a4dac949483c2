"""How a generated page is written: Jinja2 fragments from ``templates/`` with links relative
to the page, and the page's Markdown with its front matter.

What a page says (its context, title and description) is decided by
:class:`policy_site.pages.SiteContent`; this module only turns that into text, the same way
for every page, so the templates see one set of globals and links work from any depth.
"""

from __future__ import annotations

import json

import jinja2

from policy_core.languages import LANGUAGE_NAMES
from policy_core.urls import diff_url, prefix, version_url
from policy_site.i18n import long_date
from policy_site.page_paths import relative_url


def environment(lang: str, translations: object) -> jinja2.Environment:
    """A Jinja2 environment for one language: gettext from our catalog, dates from Babel."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("policy_site", "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters["long_date"] = lambda value: long_date(value, lang)
    env.globals["language_names"] = LANGUAGE_NAMES
    return env


def render_fragment(env: jinja2.Environment, template: str, lang: str, src: str,
                    **context: object) -> str:
    """``template`` rendered for the page at ``src``, with ``link`` and the site's URLs
    relative to that page."""
    page_url = src[: -len("index.md")] if src.endswith("index.md") else src

    def link(target: str) -> str:
        return relative_url(target, page_url)

    return env.get_template(template).render(
        lang=lang, link=link, version_url=lambda vid: link(version_url(vid, lang)),
        diff_url=lambda a, b: link(diff_url(a, b, lang)),
        home_url=link(f"{prefix(lang)}"), changes_url=link(f"{prefix(lang)}changes/"),
        feed_url=link(f"{prefix(lang)}feed.atom"), **context,
    ).strip()


def split_title(body: str) -> tuple[str, str]:
    """Separate the first H1 line so the version's status can be shown right under it."""
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("# "):
            return line, "\n".join(lines[index + 1 :])
        if line.strip():
            break
    return "", body


def page_markdown(title: str, markdown: str, **meta: str) -> str:
    """A page with its front matter; each value JSON-quoted, which YAML reads back verbatim."""
    front = "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n"
                    for key, value in {"title": title, **meta}.items())
    return f"---\n{front}---\n\n{markdown}\n"
