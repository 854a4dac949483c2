"""The built site with a version's own facts: the next version shows the company's name while the
current text stays byte for byte, the draft marks and the build to publish refuse only what is
rendered after the overrides, and from its effective date the next version is published with the
name, in its pages and as the feed's author.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

from policy_core.languages import LANGUAGES
from policy_site.checks import draft_placeholders, unpublishable_facts
from policy_site.pages import SiteContent
from testbed.facts import (
    COMPANY,
    FACTS,
    OWN_FACTS,
    TRANSFERS,
    facts_yml,
    fill_in_the_site_s_own_facts,
    give,
    load,
)
from testbed.site import AS_OF, mkdocs_build

ATOM = "{http://www.w3.org/2005/Atom}"


# --- the built site -------------------------------------------------------------------------------

def test_the_built_next_version_shows_the_name_and_the_current_text_is_byte_identical(
    project: Path, tmp_path: Path, built_site: Path
) -> None:
    give(project, facts_yml(COMPANY))
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.output
    site, name = result.site, COMPANY["controller.name"]

    def page(path: str) -> str:
        return (site / path / "index.html").read_text(encoding="utf-8")

    for prefix in ("", "en/"):
        assert name in page(f"{prefix}versions/2027-01-01")
        assert name in page(f"{prefix}diff/2026-11-01..2027-01-01")
        assert name not in page(f"{prefix}versions/2026-11-01") and name not in page(prefix)
    manifest = {v["id"]: v for v in json.loads((site / "versions.json").read_bytes())["versions"]}
    for lang in LANGUAGES:
        current, upcoming = (f"versions/{v}/{lang}.shown.md" for v in ("2026-11-01", "2027-01-01"))
        assert (site / current).read_bytes() == (built_site / current).read_bytes()
        assert name in (site / upcoming).read_text(encoding="utf-8")
        assert manifest["2027-01-01"]["languages"][lang]["text_sha256"] == hashlib.sha256(
            (site / upcoming).read_bytes()).hexdigest()
    assert (site / "versions/2027-01-01/facts.yml").read_bytes() == (project / OWN_FACTS).read_bytes(), \
        "published beside the version's sources, byte for byte"
    assert not (site / "versions/2026-11-01/facts.yml").exists()


def test_the_draft_marks_and_the_build_to_publish_refuses_only_what_is_rendered_after_overrides(
    project: Path,
) -> None:
    give(project, facts_yml({**COMPANY, **TRANSFERS}))
    fill_in_the_site_s_own_facts(project)
    sources = load(project)
    content = SiteContent(sources, date.fromisoformat(AS_OF))
    assert content.draft_notice("sv")["missing"] == list(COMPANY), \
        "2026-11-01, current, shows policy.yml's controller placeholders; nothing else is shown"
    refused = unpublishable_facts(sources.facts, content.history, content.unpublished)
    assert [(p.path, p.line) for p in refused] == [
        (FACTS, sources.facts.line(key)) for key in COMPANY]

    later = SiteContent(sources, date(2027, 1, 2))
    assert later.draft_notice("sv") is None, "from 2027-01-01 only superseded versions show them"


def test_a_placeholder_in_a_version_s_facts_is_refused_at_its_line(project: Path) -> None:
    give(project, facts_yml({**COMPANY, "controller.name": "PLACEHOLDER: the name after the merger"}))
    sources = load(project)
    history = SiteContent(sources, date(2027, 1, 2)).history
    assert [(p.key, p.path, p.line) for p in draft_placeholders(sources.facts, history)
            if p.key.startswith("controller.")] == [("controller.name", OWN_FACTS, 3)]


def test_every_build_lists_the_placeholders_of_a_version_s_facts_too(project: Path, tmp_path: Path) -> None:
    give(project, facts_yml({"controller.name": "PLACEHOLDER: the name after the merger"}))
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.output
    assert (f"{OWN_FACTS}:3: controller.name = 'PLACEHOLDER: the name after the merger'"
            in result.output)
    assert re.search(rf"{FACTS}:\d+: controller\.name = 'PLACEHOLDER: registered company name",
                     result.output)


def test_from_its_effective_date_the_next_version_is_published_with_the_company_s_name(
    project: Path, tmp_path: Path
) -> None:
    give(project, facts_yml({**COMPANY, **TRANSFERS}))
    fill_in_the_site_s_own_facts(project)
    refused = mkdocs_build(project, tmp_path / "refused", extra_env={"POLICY_PUBLISH": "1"})
    assert refused.returncode != 0, "as of 2026-12-01 the current version shows placeholders"
    assert [re.search(r"policy\.yml:\d+: ([\w.]+) is still a placeholder", line).group(1)
            for line in refused.output.splitlines() if "is still a placeholder" in line] == list(COMPANY)

    result = mkdocs_build(project, tmp_path / "site", as_of="2027-01-02",
                          extra_env={"POLICY_PUBLISH": "1"})
    assert result.returncode == 0, result.output
    assert COMPANY["controller.name"] in (result.site / "index.html").read_text("utf-8")
    for prefix in ("", "en/"):
        feed = ET.parse(result.site / prefix / "feed.atom").getroot()
        assert feed.findtext(f"{ATOM}author/{ATOM}name") == COMPANY["controller.name"], \
            "the feed's author is the controller the current version names"
