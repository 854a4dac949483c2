"""The README's guide for the company's other sites is what is tested: every snippet and recipe
is in the fixture site, the fixture site is served with the documented Content-Security-Policy,
and the guide's scan finds the migrated site clean and the undeclared Google cookie.

The hosts and the fixture site are described in ``testbed/embed.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from testbed.embed import FIXTURE, MATOMO, POLICY_HOST, SECTION, WWW_HOST, Sites, Visitor
from testbed.scan import scan_json

pytestmark = pytest.mark.browser


# The README's guide and recipes -----------------------------------------------------------------

def code_blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"```(\w+)\n(.*?)```", text, re.DOTALL)


def stripped_lines(text: str) -> list[str]:
    return [line.strip() for line in text.strip("\n").splitlines()]


def in_fixture(block: str) -> bool:
    """Whether ``block`` is, line for line (indentation aside), part of a fixture file."""
    wanted = stripped_lines(block)
    for path in FIXTURE.rglob("*"):
        if path.suffix in (".html", ".js"):
            lines = stripped_lines(path.read_text(encoding="utf-8"))
            if any(lines[i:i + len(wanted)] == wanted for i in range(len(lines))):
                return True
    return False


def test_every_snippet_and_recipe_of_the_readme_is_in_the_tested_fixture_site() -> None:
    blocks = [body for language, body in code_blocks(SECTION) if language in ("html", "js")]
    assert len(blocks) >= 6, "the snippet and the recipes for Matomo, a video and Google's tag"
    assert [block for block in blocks if not in_fixture(block)] == []
    php = [body for language, body in code_blocks(SECTION) if language == "php"]
    assert php and in_fixture(re.search(r"echo '(<script .*?</script>)'", php[0]).group(1))


def test_the_documented_policy_is_the_one_the_fixture_site_is_served_with(
    visitor: Visitor, sites: Sites
) -> None:
    response = visitor.page.goto(sites.www + "/")
    assert response.headers["content-security-policy"] == sites.csp
    assert "unsafe-inline" not in sites.csp


def test_the_guides_scan_finds_the_migrated_site_clean_and_an_undeclared_google_cookie(
    sites: Sites, tmp_path: Path
) -> None:
    """Step 6 of the guide, against the fixture site under its names: the home page stores
    nothing before a choice and only what the inventory declares after; the page with Google's
    tag keeps _ga, which the inventory does not declare yet (the recipe says to declare it)."""
    resolve = [arg for host in (WWW_HOST, POLICY_HOST) for arg in ("--resolve", f"{host}=127.0.0.1")]
    policy = ["--policy-origin", sites.policy_origin + "/", *resolve]
    code, report = scan_json(tmp_path, sites.www + "/", *policy)
    assert [f["message"] for page in report["pages"] for f in page["findings"] if f["problem"]] == []
    assert code == 0
    [home] = report["pages"]
    accepted = next(state for state in home["states"] if state["id"] == "accept_all")
    assert MATOMO | {"ps_media"} <= {cookie["name"] for cookie in accepted["cookies"]}

    code, report = scan_json(tmp_path, sites.www + "/analytics/", *policy)
    problems = [f for page in report["pages"] for f in page["findings"] if f["problem"]]
    assert code == 1
    assert {(f["kind"], f["subject"].split(" (")[0]) for f in problems} == {("undeclared", "cookie _ga")}
