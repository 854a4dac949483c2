"""``policy-site scan`` in Debian's Chromium against real servers on loopback.

The built site, served by the consent service as in production, must scan clean as of today
and as of the day after the next version takes effect. Fixture pages (the demo page of the
built site, its real banner included, with one hand-made problem each) must each be caught; they
are served by a plain static server, as a site without the service's Content Security Policy
(which would block most of these problems in the browser) serves its pages.
The command runs as the installed console script, from a folder that holds no policy project:
it judges what a site publishes, nothing else.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from testbed.banner import ConsentServer
from testbed.site import REPO, mkdocs_build

pytestmark = pytest.mark.browser

ADMIN_TOKEN = "scan-test-admin-token-0123456789"
TRACKER = "tracker.example.test"
"""A second host name for loopback, so a request to it is a request to another origin."""

PROBLEMS = {
    "undeclared-cookie": """<script type="text/plain" data-category="statistics">
document.cookie = "_ga=GA1.1.42; path=/; max-age=63072000; samesite=lax";
</script>""",
    "undeclared-local-storage": """<script type="text/plain" data-category="media">
localStorage.setItem("player_volume", "80");
</script>""",
    "statistics-before-consent": """<script>
document.cookie = "_pk_id.1.d3m0=early; path=/; max-age=34128000; samesite=lax";
</script>""",
    "request-before-consent": """<img alt="" width="1" height="1"
 src="http://tracker.example.test:{port}/assets/images/favicon.png">""",
    "session-storage-after-choice": """<script>
/* Written a moment after any choice, as a script reacting to the banner might. */
document.addEventListener("ps-consent-change", () =>
  setTimeout(() => sessionStorage.setItem("seen_banner", "1"), 200));
</script>""",
    "media-after-reject": """<script>
/* A player that takes any choice as consent. */
const remember = () => { document.cookie = "ps_media=volume%3D80; path=/; samesite=lax"; };
if (window.psConsent.get()) remember();
document.addEventListener("ps-consent-change", remember);
</script>""",
}
"""Each fixture page: the built demo page with this markup after the banner's script."""


def run_scan(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("policy-site")
    return subprocess.run([str(script), "scan", "--wait", "0", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


def scan_json(cwd: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = run_scan(cwd, "--format", "json", *args)
    assert result.returncode in (0, 1), result.stderr
    assert result.stderr == ""
    return result.returncode, json.loads(result.stdout)


def problems(report: dict[str, Any]) -> list[str]:
    return [f"{page['url']}: {finding['message']}" for page in report["pages"]
            for finding in page["findings"] if finding["problem"]]


def assert_clean(code: int, report: dict[str, Any]) -> None:
    """No problem, exit code 0."""
    assert problems(report) == []
    assert code == 0


@pytest.fixture(scope="module")
def server(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsentServer]:
    consent = ConsentServer(built_site, tmp_path_factory.mktemp("consent"))
    consent.environment["CONSENT_ADMIN_TOKEN"] = ADMIN_TOKEN
    yield consent.start()
    consent.stop()


def recorded_choices(server: ConsentServer) -> int:
    request = urllib.request.Request(server.url + "api/v1/audit/verify",
                                     headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["records"]


@pytest.fixture(scope="module")
def server_2027(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsentServer]:
    """The site built as of 2027-01-02, when the version of 2027-01-01 is in effect."""
    base = tmp_path_factory.mktemp("built-2027")
    build = mkdocs_build(REPO, base / "site", as_of="2027-01-02")
    assert build.returncode == 0, build.output
    consent = ConsentServer(build.site, base, today="2027-01-02").start()
    yield consent
    consent.stop()


class StaticSite:
    """A plain static HTTP server on loopback for ``root``: no consent service, no CSP."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def fixture_site(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticSite]:
    """A copy of the built site (so it publishes versions.json and includes the banner) plus one
    page per problem at /problem-<name>/, broken policy sites and a page without the banner."""
    site = Path(shutil.copytree(built_site, tmp_path_factory.mktemp("fixtures") / "site"))
    server = StaticSite(site)
    demo = (site / "demo" / "index.html").read_text(encoding="utf-8")
    assert demo.count("</body>") == 1
    for name, markup in PROBLEMS.items():
        page = demo.replace("</body>", markup.replace("{port}", str(server.port)) + "\n</body>")
        (site / f"problem-{name}").mkdir()
        (site / f"problem-{name}" / "index.html").write_text(page, encoding="utf-8")
    for name, edit in (("edited-policy", lambda text: text.replace("6 månader", "7 månader")),
                       ("unreadable-policy", lambda text: text + "  - id: ads\n")):
        shutil.copytree(site / "versions", site / name / "versions")
        shutil.copy(site / "versions.json", site / name / "versions.json")
        inventory = site / name / "versions" / "2026-11-01" / "cookies.yml"
        inventory.write_text(edit(inventory.read_text(encoding="utf-8")), encoding="utf-8")
    (site / "not-a-policy-site").mkdir()
    (site / "not-a-policy-site" / "versions.json").write_text("<!doctype html>\n", encoding="utf-8")
    (site / "no-banner").mkdir()
    (site / "no-banner" / "index.html").write_text(
        '<!doctype html><html lang="en"><title>No banner</title><p>Nothing here.</p></html>\n',
        encoding="utf-8")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def fixture_report(fixture_site: StaticSite, tmp_path_factory: pytest.TempPathFactory):
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


# The built site ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def today_report(server: ConsentServer, tmp_path_factory: pytest.TempPathFactory):
    """One scan of a Swedish demo page and the English home page: exit code, report, and how
    many choices the consent service recorded meanwhile."""
    before = recorded_choices(server)
    code, report = scan_json(tmp_path_factory.mktemp("cwd"), server.url + "demo/", server.url + "en/")
    return code, report, recorded_choices(server) - before


def test_the_built_site_is_clean_as_of_today(today_report) -> None:
    code, report, _ = today_report
    assert {page["policy"]["version"] for page in report["pages"]} == {"2026-11-01"}
    assert_clean(code, report)


def test_the_built_site_is_clean_once_the_next_version_is_in_effect(server_2027: ConsentServer,
                                                                    tmp_path: Path) -> None:
    code, report = scan_json(tmp_path, server_2027.url + "en/demo/", server_2027.url)
    assert {page["policy"]["version"] for page in report["pages"]} == {"2027-01-01"}
    assert_clean(code, report)


def test_every_state_lists_what_the_demo_page_stores(today_report, server: ConsentServer) -> None:
    """Before a choice nothing; each gated script's cookies exactly when its category is on."""
    page = today_report[1]["pages"][0]
    assert page["url"].endswith("/demo/")
    optional = {state["id"]: sorted(c["name"] for c in state["cookies"] if c["category"] != "necessary")
                for state in page["states"]}
    assert optional == {
        "before": [],
        "reject_all": [],
        "custom:statistics": ["_pk_id.1.d3m0", "_pk_ses.1.d3m0"],
        "custom:media": ["ps_media"],
        "accept_all": ["_pk_id.1.d3m0", "_pk_ses.1.d3m0", "ps_media"],
    }
    assert page["states"][0]["cookies"] == []
    assert all("ps_consent" in {c["name"] for c in state["cookies"]} for state in page["states"][1:])
    [visitor] = [c for c in page["states"][-1]["cookies"] if c["name"] == "ps_visitor"]
    assert (visitor["http_only"], visitor["same_site"], visitor["path"]) == (True, "Lax", "/")
    assert visitor["category"] == "necessary"
    assert all(set(state["requests"]) == {server.url.rstrip("/")} for state in page["states"])


def test_each_choice_is_made_as_a_visitor_makes_it_and_recorded_before_the_next_page_view(
    today_report,
) -> None:
    _, report, recorded = today_report
    for page in report["pages"]:
        assert [state["banner_inventory"] for state in page["states"]] == [None] + [
            page["policy"]["inventory"]] * 4
    assert recorded == 2 * 4


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
    fixture_site: StaticSite, tmp_path: Path
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


# Another site embedding the banner ---------------------------------------------------------------

@pytest.fixture
def other_site(built_site: Path, tmp_path: Path) -> Iterator[str]:
    """The demo page and its assets but no versions.json: a site that embeds the banner and
    publishes no policy of its own."""
    root = tmp_path / "www"
    for part in ("demo", "assets", "embed", "javascripts", "stylesheets"):
        shutil.copytree(built_site / part, root / part)
    server = StaticSite(root)
    yield f"http://www.example.test:{server.port}/"
    server.stop()


def test_a_page_on_another_site_is_compared_with_the_inventory_at_the_policy_origin(
    other_site: str, server: ConsentServer, tmp_path: Path
) -> None:
    hosts = ["--resolve", "www.example.test=127.0.0.1", "--resolve", "policy.example.test=127.0.0.1"]
    alone = run_scan(tmp_path, other_site + "demo/", *hosts)
    assert alone.returncode == 2
    assert f"{other_site}versions.json answered 404" in alone.stderr
    assert "--policy-origin" in alone.stderr and "Traceback" not in alone.stderr

    policy = f"http://policy.example.test:{server.port}"
    _, report = scan_json(tmp_path, other_site + "demo/", *hosts, "--policy-origin", policy)
    [page] = report["pages"]
    assert page["policy"]["manifest"] == f"{policy}/versions.json"
    assert page["policy"]["version"] == "2026-11-01"
    assert {origin for state in page["states"] for origin in state["requests"]} == {
        other_site.rstrip("/")}


# Misuse: exit code 2 and a message, never a traceback --------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["not-a-url"], "URL 'not-a-url' is not a web address"),
    (["ftp://example.test/"], "URL 'ftp://example.test/' is not a web address"),
    (["http://127.0.0.1:99999/"], "has no valid port"),
    (["http://127.0.0.1/", "--policy-origin", "policy.example.test"], "--policy-origin"),
    (["http://127.0.0.1/", "--resolve", "www.example.test"], "expected HOST=ADDRESS"),
    (["http://127.0.0.1/", "--chromium", "/nonexistent/chromium"], "no Chromium at /nonexistent/chromium"),
    (["http://127.0.0.1/", "--format", "xml"], "'xml' is not one of 'text', 'json'"),
    ([], "Missing argument"),
])
def test_misuse_is_exit_code_2_with_a_message(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_scan(tmp_path, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_an_unknown_version_no_banner_an_unreachable_or_broken_policy_site_are_misuse(
    fixture_site: StaticSite, tmp_path: Path
) -> None:
    url = fixture_site.url
    for args, message in (
        ([url + "demo/", "--version", "2020-01-01"],
         "--version 2020-01-01: " + url + "versions.json publishes no such version; versions: "
         "2018-05-25, 2026-11-01, 2027-01-01"),
        ([url + "no-banner/"], f"{url}no-banner/: no cookie banner appeared"),
        ([url + "missing/"], f"{url}missing/ answered 404"),
        (["http://127.0.0.1:9/"], "http://127.0.0.1:9/versions.json: cannot be fetched"),
        ([url + "demo/", "--policy-origin", url + "edited-policy"],
         f"{url}edited-policy/versions/2026-11-01/cookies.yml: its SHA-256 "),
        ([url + "demo/", "--policy-origin", url + "unreadable-policy"],
         f"{url}unreadable-policy/versions/2026-11-01/cookies.yml: not a readable cookie inventory: line "),
        ([url + "demo/", "--policy-origin", url + "not-a-policy-site/"],
         f"{url}not-a-policy-site/versions.json: not JSON"),
    ):
        result = run_scan(tmp_path, *args)
        assert (result.returncode, result.stdout) == (2, ""), result.stderr
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def test_an_older_version_can_be_chosen_and_then_the_banner_may_ask_about_another(
    server: ConsentServer, tmp_path: Path
) -> None:
    """2018-05-25 had no inventory: everything the banner stores is undeclared by it."""
    code, report = scan_json(tmp_path, server.url + "en/", "--version", "2018-05-25")
    [page] = report["pages"]
    assert (page["policy"]["version"], page["policy"]["inventory"]) == ("2018-05-25", None)
    assert code == 1
    kinds = {f["kind"] for f in page["findings"]}
    assert "undeclared" in kinds and "other_inventory" not in kinds


# The documented report shape ---------------------------------------------------------------------

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
