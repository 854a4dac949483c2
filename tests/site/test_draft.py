"""No placeholder reaches a visitor unmarked: a draft says so on every page, a build to publish
refuses it.

The shipped ``policy.yml`` still has placeholders that the current and the upcoming version
show, so the session's built site is a draft.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from policy_site.publish import resolve_publish
from testbed.banner import ConsentServer
from testbed.htmltext import elements
from testbed.site import AXE, PAGE_TYPES, REPO, complete_project, kept_site, mkdocs_build

NOTICE = {"sv": "Utkast – uppgifter saknas", "en": "Draft – details missing"}
PREFIXES = {"sv": "", "en": "en/"}


def placeholders(facts: Path) -> list[tuple[str, int]]:
    """``(dotted key, line)`` of every value containing PLACEHOLDER, read with plain YAML."""
    found: list[tuple[str, int]] = []

    def walk(node: yaml.Node, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(value, (*path, key.value))
        elif isinstance(node, yaml.ScalarNode) and "PLACEHOLDER" in node.value:
            found.append((".".join(path), node.start_mark.line + 1))

    walk(yaml.compose(facts.read_text(encoding="utf-8")), ())
    return found


MISSING = [key for key, _ in placeholders(REPO / "policy_src/policy.yml")]


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def notice_of(html: str) -> tuple[str, list[str]] | None:
    """The draft notice's text and the facts it names, or ``None`` when the page has none."""
    if 'class="ps-draft"' not in html:
        return None
    inner = html.split('class="ps-draft"', 1)[1].split("</div>", 1)[0].split(">", 1)[1]
    return " ".join(re.sub(r"<[^>]+>", "", inner).split()), re.findall(r"<code>([^<]+)</code>", inner)


def test_the_shipped_sources_still_have_placeholders_the_current_version_shows() -> None:
    assert "controller.name" in MISSING and "site.url" in MISSING


# --- a draft --------------------------------------------------------------------------------------

def test_every_page_of_a_draft_carries_the_notice_in_its_language_naming_each_missing_fact(
    built_site: Path
) -> None:
    pages = html_pages(built_site)
    assert {built_site / prefix / path / "index.html" for prefix in PREFIXES.values()
            for path in PAGE_TYPES.values()} | {built_site / "404.html"} <= set(pages)
    for path in pages:
        html = path.read_text(encoding="utf-8")
        lang = re.search(r'<html lang="(\w+)"', html).group(1)
        notice = notice_of(html)
        assert notice is not None, f"{path.relative_to(built_site)} has no draft notice"
        text, named = notice
        assert text.startswith(NOTICE[lang]), (path, text)
        assert named == MISSING, path


EVERY_PAGE_TYPE = [*((lang, path) for lang in PREFIXES for path in PAGE_TYPES.values()), ("sv", "404.html")]
"""Every page type in both languages, and the one 404 page (Swedish, the default language)."""


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "path"), EVERY_PAGE_TYPE,
                         ids=[f"{lang}-{path or 'home'}" for lang, path in EVERY_PAGE_TYPE])
def test_the_notice_is_shown_first_and_named_for_assistive_technology(page, site_url: str, lang: str,
                                                                       path: str) -> None:
    page.goto(site_url + PREFIXES[lang] + path)
    notice = page.get_by_role("note", name=NOTICE[lang])
    assert notice.is_visible()
    assert notice.get_attribute("lang") == lang
    assert notice.locator("code").all_inner_texts() == MISSING
    assert notice.bounding_box()["y"] < page.locator(".md-header").bounding_box()["y"], \
        "the notice is above the header, where every visitor meets it first"


@pytest.mark.browser
@pytest.mark.parametrize("lang", PREFIXES, ids=PREFIXES.keys())
def test_the_notice_has_no_axe_violations(page, site_url: str, lang: str) -> None:
    assert AXE.is_file(), "axe-core is installed by `make test` (npm ci)"
    page.goto(site_url + PREFIXES[lang])
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run('.md-banner')).violations.map(v => v.id)")
    assert violations == []


def test_a_draft_publishes_its_notice_for_the_pages_the_consent_service_renders(built_site: Path) -> None:
    notices = json.loads((built_site / "draft.json").read_bytes())
    assert {lang: (notice["title"], notice["missing"]) for lang, notice in notices.items()} == {
        lang: (NOTICE[lang], MISSING) for lang in PREFIXES}


@pytest.fixture(scope="module")
def consent_server(built_site: Path, tmp_path_factory: pytest.TempPathFactory):
    """The draft site served by the consent service, which renders the consent log itself."""
    server = ConsentServer(built_site, tmp_path_factory.mktemp("consent")).start()
    yield server
    server.stop()


@pytest.mark.browser
@pytest.mark.parametrize("lang", PREFIXES, ids=PREFIXES.keys())
def test_the_consent_log_of_a_draft_carries_the_same_notice(page, consent_server: ConsentServer,
                                                            lang: str) -> None:
    page.goto(consent_server.url + PREFIXES[lang] + "consent-log")
    notice = page.get_by_role("note", name=NOTICE[lang])
    assert notice.is_visible()
    assert notice.locator("code").all_inner_texts() == MISSING
    banner = page.locator(".md-banner")
    site_page = page.context.new_page()
    site_page.goto(consent_server.url + PREFIXES[lang])
    assert banner.evaluate("e => getComputedStyle(e).backgroundColor") == site_page.locator(
        ".md-banner").evaluate("e => getComputedStyle(e).backgroundColor"), "styled as on the site"
    checked = page.context.browser.new_context(bypass_csp=True).new_page()  # axe is an inline script
    checked.goto(consent_server.url + PREFIXES[lang] + "consent-log")
    checked.add_script_tag(path=str(AXE))
    assert checked.evaluate("async () => (await axe.run('.md-banner')).violations.map(v => v.id)") == []
    checked.context.close()


@pytest.mark.browser
def test_a_printed_draft_says_it_is_one(page, site_url: str) -> None:
    page.goto(site_url + "en/")
    page.emulate_media(media="print")
    assert page.get_by_role("note", name=NOTICE["en"]).is_visible()


# --- a build to publish ---------------------------------------------------------------------------

def _publish_by_environment(project: Path) -> dict[str, str]:
    return {"POLICY_PUBLISH": "1"}


def _publish_by_option(project: Path) -> dict[str, str]:
    path = project / "mkdocs.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("      sources: policy_src\n", "      sources: policy_src\n"
                                 "      publish: true\n"), encoding="utf-8")
    return {}


PUBLISH = pytest.mark.parametrize("ask_to_publish", [_publish_by_environment, _publish_by_option],
                                  ids=["POLICY_PUBLISH=1", "publish: true"])


@PUBLISH
def test_a_build_to_publish_refuses_placeholders_one_error_each_and_keeps_the_last_site(
    project: Path, tmp_path: Path, ask_to_publish
) -> None:
    with kept_site(project, tmp_path / "site") as site:
        env = ask_to_publish(project)

        result = mkdocs_build(project, site, extra_env=env)

    assert result.returncode != 0
    errors = [line for line in result.output.splitlines() if line.startswith("ERROR")]
    refused = [line for line in errors if "is still a placeholder" in line]
    expected = [(str(line), key) for key, line in placeholders(project / "policy_src/policy.yml")]
    assert [re.search(r"policy_src/policy\.yml:(\d+): ([\w.]+) is still a placeholder", line).groups()
            for line in refused] == expected
    assert all(line.endswith("fill it in before publishing the site") for line in refused)
    assert "nothing was built and the previously built site is untouched" in errors[-1]
    assert "Traceback" not in result.output


def test_an_unclear_publish_setting_is_refused_not_guessed(project: Path, tmp_path: Path) -> None:
    result = mkdocs_build(project, tmp_path / "site", extra_env={"POLICY_PUBLISH": "yes"})
    assert result.returncode != 0
    assert ("POLICY_PUBLISH='yes': set it to 1 to build for publishing (placeholders refused) or 0, "
            "or leave it unset, for a draft") in result.output
    assert not (tmp_path / "site").exists()


def test_a_draft_build_says_it_is_not_for_publishing(project: Path, tmp_path: Path) -> None:
    result = mkdocs_build(project, tmp_path / "site", extra_env={"POLICY_PUBLISH": "0"})
    assert result.returncode == 0, result.output
    assert notice_of((result.site / "index.html").read_text(encoding="utf-8")) is not None


# --- a complete project ---------------------------------------------------------------------------

@PUBLISH
def test_without_placeholders_the_build_to_publish_succeeds_and_no_page_has_a_notice(
    project: Path, tmp_path: Path, ask_to_publish
) -> None:
    complete_project(project)
    assert placeholders(project / "policy_src/policy.yml") == []
    result = mkdocs_build(project, tmp_path / "site", extra_env=ask_to_publish(project))
    assert result.returncode == 0, result.output
    for path in html_pages(result.site):
        html = path.read_text(encoding="utf-8")
        assert notice_of(html) is None, path
        assert not [e for e in elements(html, "aside") if "md-banner" in e.get("class", "")], path
    assert not (result.site / "draft.json").exists(), "the consent service marks nothing either"


def test_either_the_option_or_the_environment_asks_for_a_build_to_publish() -> None:
    assert resolve_publish(False, {}) is False
    assert resolve_publish(False, {"POLICY_PUBLISH": "0"}) is False
    assert resolve_publish(False, {"POLICY_PUBLISH": "1"}) is True
    assert resolve_publish(True, {}) is True
    assert resolve_publish(True, {"POLICY_PUBLISH": "0"}) is True, "the project insists"
