"""Misusing ``policy-site scan`` is exit code 2 and a message, never a traceback: a wrong
argument, an unknown version, a page without the banner, an unreachable or a broken policy site.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from testbed.scan import run_scan
from testbed.site import StaticServer

pytestmark = pytest.mark.browser


# Misuse: exit code 2 and a message, never a traceback -------------------------------------------

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
    fixture_site: StaticServer, tmp_path: Path
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
