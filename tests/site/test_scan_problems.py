"""``policy-site scan`` in Debian's Chromium catches each kind of problem on its fixture page
(``testbed.scan.PROBLEMS``, served with no Content Security Policy by the ``fixture_site``
fixture), names it in the text report with its page, and writes the JSON report in the shape
the README documents.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from testbed.scan import PROBLEMS, TRACKER, run_scan, scan_json
from testbed.site import REPO, StaticServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fixture_report(fixture_site: StaticServer, tmp_path_factory: pytest.TempPathFactory):
    """One scan of every fixture page: exit code and JSON report."""
    urls = [f"{fixture_site.url}problem-{name}/" for name in PROBLEMS]
    return scan_json(tmp_path_factory.mktemp("cwd"), *urls, "--resolve", f"{TRACKER}=127.0.0.1")


def findings_of(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    [page] = [p for p in report["pages"] if p["url"].endswith(f"/problem-{name}/")]
    return page["findings"]


def finding(report: dict[str, Any], name: str, kind: str, subject: str) -> dict[str, Any]:
    found = [f for f in findings_of(report, name) if f["kind"] == kind and subject in f["subject"]]
    assert len(found) == 1, json.dumps(findings_of(report, name), indent=1)
    return found[0]


# Each kind of problem ---------------------------------------------------------------------------

def test_the_fixtures_fail_the_scan(fixture_report) -> None:
    code, report = fixture_report
    assert code == 1 and report["ok"] is False and report["problems"] >= len(PROBLEMS)


def test_an_undeclared_cookie_is_found_where_its_script_runs(fixture_report) -> None:
    _, report = fixture_report
    found = finding(report, "undeclared-cookie", "undeclared", "cookie _ga ")
    assert found["states"] == ["custom:statistics", "accept_all"]
    assert "is not declared in the inventory of version 2026-11-01" in found["message"]


def test_an_undeclared_local_storage_item_is_found(fixture_report) -> None:
    _, report = fixture_report
    found = finding(report, "undeclared-local-storage", "undeclared", "localStorage item player_volume")
    assert found["states"] == ["custom:media", "accept_all"]


def test_a_statistics_cookie_set_before_consent_is_found_before_and_after_refusing(fixture_report) -> None:
    _, report = fixture_report
    before = finding(report, "statistics-before-consent", "before_choice", "cookie _pk_id.1.d3m0 ")
    assert (before["states"], before["category"]) == (["before"], "statistics")
    refused = finding(report, "statistics-before-consent", "without_consent", "cookie _pk_id.1.d3m0 ")
    assert refused["states"] == ["reject_all", "custom:media"]


def test_a_request_to_another_host_before_consent_is_found(fixture_report, fixture_site) -> None:
    _, report = fixture_report
    tracker = f"http://{TRACKER}:{fixture_site.port}"
    found = finding(report, "request-before-consent", "request_without_consent", tracker)
    assert found["states"] == ["before", "reject_all"]
    informed = finding(report, "request-before-consent", "request_with_consent", tracker)
    assert informed["problem"] is False
    assert informed["states"] == ["custom:statistics", "custom:media", "accept_all"]


def test_what_a_page_does_just_after_a_choice_is_observed_in_every_state_after_one(
    fixture_report,
) -> None:
    _, report = fixture_report
    found = finding(report, "session-storage-after-choice", "undeclared", "sessionStorage item seen_banner")
    assert found["states"] == ["reject_all", "custom:statistics", "custom:media", "accept_all"]


def test_an_item_of_a_category_present_after_rejecting_it_is_found(fixture_report) -> None:
    _, report = fixture_report
    found = finding(report, "media-after-reject", "without_consent", "cookie ps_media ")
    assert (found["states"], found["category"]) == (["reject_all", "custom:statistics"], "media")


def test_the_text_report_lists_every_state_and_names_each_problem_with_its_page(
    fixture_site: StaticServer, tmp_path: Path
) -> None:
    url = f"{fixture_site.url}problem-undeclared-cookie/"
    result = run_scan(tmp_path, url)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    for label in ("before a choice", "after Reject all", "after accepting statistics only",
                  "after accepting media only", "after Accept all"):
        assert f"\n  {label}\n" in out
    # Set for two years, kept for 400 days: what Chromium keeps is what is reported.
    assert re.search(r"cookie _ga  127\.0\.0\.1 /  expires \S+ \(400 days\)  SameSite=Lax  \[NOT DECLARED\]",
                     out)
    assert re.search(r"cookie _pk_id\.1\.d3m0  127\.0\.0\.1 /  .*\[statistics\]", out)
    assert (f"{url}: cookie _ga (domain 127.0.0.1, path /) is not declared in the inventory of "
            "version 2026-11-01: after accepting statistics only, after Accept all") in out
    assert re.search(r"\nscan: \d+ problem\(s\) on 1 page\(s\)$", out)


# The documented report shape --------------------------------------------------------------------

def _shape(value: Any, key: str = "") -> Any:
    """The structure of a JSON value: keys and the types of values (null counts as text), the
    first item of a list of objects standing for all."""
    if key == "requests":
        return "origin → count"
    if isinstance(value, dict):
        return {k: _shape(item, k) for k, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value and isinstance(value[0], dict) else "list"
    return "text" if value is None or isinstance(value, str) else type(value).__name__


def test_the_json_report_has_the_shape_the_readme_documents(fixture_report) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Checking a site with the cookie scanner", 1)[1]
    documented = json.loads(section.split("```json\n", 1)[1].split("```", 1)[0])
    _, report = fixture_report
    page = next(p for p in report["pages"] if any(s["cookies"] and s["storage"] for s in p["states"]))
    state = next(s for s in page["states"] if s["cookies"] and s["storage"])
    actual = {**report, "pages": [{**page, "states": [state], "findings": page["findings"][:1]}]}
    assert _shape(actual) == _shape(documented)
