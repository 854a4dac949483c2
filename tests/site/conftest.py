"""Fixtures several site test modules share: a log of choices made on the product's own built site,
the consent service serving the built site for the banner's browser tests, the three hosts and
the browser of the tests of the banner on other sites, the site built with a cookie domain and
its consent service, the scanner's fixture site, the diff's fixture pair, and the policy sources
to break."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from policy_site.diff import DocumentDiff, diff_documents
from testbed.banner import ConsentServer
from testbed.choice import manifest_entry, policy_ref
from testbed.diffpage import FIXTURES
from testbed.embed import (
    DOCUMENTED_POLICY,
    DOMAIN,
    OTHER_HOST,
    POLICY_HOST,
    WWW_HOST,
    Sites,
    Visitor,
    documented_csp,
    new_visitor,
    publish_fixture,
)
from testbed.log import Log, chain_records, site_choice
from testbed.scan import PROBLEMS
from testbed.site import CHROMIUM_ARGS, StaticServer, copy_project, mkdocs_build, with_plugin_options


@pytest.fixture(scope="module")
def current(built_site: Path) -> dict:
    """The version in effect on the built site, as versions.json publishes it."""
    return manifest_entry(built_site)


@pytest.fixture
def log(current: dict) -> Log:
    """Two records migrated from the chain, six choices in the tree, one not yet integrated."""
    migrated = chain_records(2, inventory=current["inventory"]["sha256"], policy=policy_ref(current, "sv"))
    return Log(migrated + [site_choice(current, n) for n in range(6)],
               pending=[site_choice(current, 6)])


@pytest.fixture(scope="module")
def server(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsentServer]:
    """gunicorn serving the built site and the API, one per test module: a module may stop and
    restart it, and its records are that module's alone; every test has its own browser context,
    so its own cookies, storage and visitor."""
    consent = ConsentServer(built_site, tmp_path_factory.mktemp("consent")).start()
    yield consent
    consent.stop()


@pytest.fixture(scope="session")
def sites(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    """The consent service serving the built site on the policy host, and the fixture site on www
    and on the host that is not allowed (see testbed/embed.py): started once for every module of
    the banner on other sites, since starting them is the slow part and no test depends on
    another's records."""
    base = tmp_path_factory.mktemp("embed")
    service = ConsentServer(built_site, base)
    policy_origin = f"http://{POLICY_HOST}:{service.port}"
    root = publish_fixture(base / "www", policy_origin)
    csp = documented_csp().replace(DOCUMENTED_POLICY, policy_origin)
    static = StaticServer(root, {"Content-Security-Policy": csp})
    try:
        www = f"http://{WWW_HOST}:{static.port}"
        service.environment["CONSENT_ALLOWED_ORIGINS"] = www
        service.start()
        yield Sites(service, policy_origin, www, f"http://{OTHER_HOST}:{static.port}", csp)
    finally:
        service.stop()
        static.stop()


@pytest.fixture(scope="session")
def built_site_for_domain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The product's own sources built as ``built_site`` is, with the plugin's ``cookie_domain``
    set to the test's domain: the one other build the tests of the cookie domain need."""
    base = tmp_path_factory.mktemp("built-domain")
    project = copy_project(base / "project")
    with_plugin_options(project, f"      cookie_domain: {DOMAIN}\n")
    result = mkdocs_build(project, base / "site")
    assert result.returncode == 0, result.output
    return result.site


@pytest.fixture(scope="module")
def domain_policy(built_site_for_domain: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[ConsentServer]:
    """The consent service serving the site built with a cookie domain, reached on the policy
    host (``http://{POLICY_HOST}:<port>``) or, as a preview of that build, on 127.0.0.1."""
    consent = ConsentServer(built_site_for_domain, tmp_path_factory.mktemp("consent-domain")).start()
    yield consent
    consent.stop()


@pytest.fixture(scope="session")
def mapped_browser(browser_type, browser_type_launch_args: dict) -> Iterator[Any]:
    """Debian's Chromium sending the three host names to loopback."""
    rules = ", ".join(f"MAP {host} 127.0.0.1" for host in (WWW_HOST, POLICY_HOST, OTHER_HOST))
    browser = browser_type.launch(**{**browser_type_launch_args,
                                     "args": [*CHROMIUM_ARGS, f"--host-resolver-rules={rules}"]})
    yield browser
    browser.close()


@pytest.fixture
def visitor(mapped_browser: Any) -> Iterator[Visitor]:
    """A visitor of their own for each test: a fresh browser profile on ``mapped_browser``."""
    visitor = new_visitor(mapped_browser)
    yield visitor
    visitor.page.context.close()


@pytest.fixture(scope="module")
def fixture_site(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticServer]:
    """The scanner's fixture site: a copy of the built site (so it publishes versions.json and
    includes the banner) plus one page per problem at /problem-<name>/, broken policy sites and
    a page without the banner."""
    site = Path(shutil.copytree(built_site, tmp_path_factory.mktemp("fixtures") / "site"))
    server = StaticServer(site)
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


@pytest.fixture
def src(project: Path) -> Path:
    """``policy_src/`` of a copy of the project, for a test to break."""
    return project / "policy_src"


@pytest.fixture(scope="module")
def policy_pair() -> tuple[str, str]:
    """A shortened policy and its next version: every kind of change once, Swedish text."""
    folder = FIXTURES / "policy"
    return (folder / "old.md").read_text(encoding="utf-8"), (folder / "new.md").read_text(
        encoding="utf-8")


@pytest.fixture(scope="module")
def policy_diff(policy_pair: tuple[str, str]) -> DocumentDiff:
    return diff_documents(*policy_pair)
