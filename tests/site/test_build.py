"""Building through the real ``mkdocs`` CLI: clear errors, the last good site kept, live reload."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from testbed import free_port
from testbed.site import AS_OF, kept_site, mkdocs_build, with_plugin_options


def test_a_broken_source_fails_the_build_and_leaves_the_previous_site_intact(
    project: Path, tmp_path: Path
) -> None:
    with kept_site(project, tmp_path / "site") as site:
        path = project / "policy_src/versions/2026-11-01/en.md"
        path.write_text(path.read_text(encoding="utf-8").replace("published:", "publisched:", 1),
                        encoding="utf-8")
        (project / "policy_src/versions/2018-05-25/sv.md").write_text("no front matter\n", encoding="utf-8")

        result = mkdocs_build(project, site)

    assert result.returncode != 0
    errors = [line for line in result.output.splitlines() if line.startswith("ERROR")]
    assert any("policy_src/versions/2026-11-01/en.md:3: unknown front matter key 'publisched' "
               "(did you mean 'published'?)" in line for line in errors), result.output
    assert any("policy_src/versions/2018-05-25/sv.md:1: missing front matter" in line
               for line in errors), result.output
    assert "previously built site is untouched" in result.output
    assert "Traceback" not in result.output


def test_values_yaml_cannot_read_fail_the_build_cleanly_and_keep_the_previous_site(
    project: Path, tmp_path: Path
) -> None:
    """PyYAML raises while it loads (impossible dates, unknown tags): still one line per problem."""
    with kept_site(project, tmp_path / "site") as site:
        upcoming = project / "policy_src/versions/2027-01-01"
        for path, old, new in [
            (upcoming / "sv.md", "effective: 2027-01-01", "effective: 2027-02-30"),
            (upcoming / "en.md", "published: 2026-12-01", "published: 2027-13-01"),
            (upcoming / "cookies.yml", "required: true", "required: !!bool maybe"),
            (project / "policy_src/policy.yml", '  email: "imy@imy.se"', "  email: !mail imy@imy.se"),
        ]:
            text = path.read_text(encoding="utf-8")
            assert old in text
            path.write_text(text.replace(old, new, 1), encoding="utf-8")

        result = mkdocs_build(project, site)

    assert result.returncode != 0
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("ERROR")]
    for expected in [
        "policy_src/policy.yml:27: 'imy@imy.se' has the tag '!mail', which is not allowed here",
        "policy_src/versions/2027-01-01/cookies.yml:5: 'maybe' cannot be read as true or false",
        "policy_src/versions/2027-01-01/sv.md:2: '2027-02-30' is not a real date",
        "policy_src/versions/2027-01-01/en.md:3: '2027-13-01' is not a real date",
        "4 problem(s) in policy_src/: nothing was built and the previously built site is untouched",
    ]:
        assert any(expected in line for line in errors), (expected, result.output)


def _break_front_matter(project: Path) -> str:
    path = project / "policy_src/versions/2018-05-25/en.md"
    path.write_bytes(b"---\n---\n" + path.read_bytes().split(b"\n---\n", 1)[1])
    return "policy_src/versions/2018-05-25/en.md:2: empty: expected effective"


def _drop_a_language(project: Path) -> str:
    (project / "policy_src/versions/2027-01-01/sv.md").unlink()
    return "policy_src/versions/2027-01-01/en.md:1: no 'sv' translation"


def _break_inventory(project: Path) -> str:
    path = project / "policy_src/versions/2026-11-01/cookies.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("required: true", "required: maybe"),
                    encoding="utf-8")
    return "policy_src/versions/2026-11-01/cookies.yml:"


def _relative_link(project: Path) -> str:
    path = project / "policy_src/versions/2027-01-01/sv.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nSe [historiken](changes/index.md).\n",
                    encoding="utf-8")
    return "relative link 'changes/index.md'"


def _shadow_a_generated_page(project: Path) -> str:
    (project / "docs/changes").mkdir()
    (project / "docs/changes/index.md").write_text("# Mine\n", encoding="utf-8")
    return "docs/changes/index.md: would replace a generated page"


def _placeholder_summary(project: Path) -> str:
    path = project / "policy_src/versions/2027-01-01/en.md"
    text = path.read_text(encoding="utf-8")
    summary = next(line for line in text.split("\n") if line.startswith("summary:"))
    path.write_text(text.replace(summary, 'summary: "PLACEHOLDER: to write"'), encoding="utf-8")
    return "policy_src/versions/2027-01-01/en.md:1: summary is still a placeholder"


@pytest.mark.parametrize("breakage", [_break_front_matter, _drop_a_language, _break_inventory,
                                      _relative_link, _shadow_a_generated_page, _placeholder_summary],
                         ids=lambda f: f.__name__.strip("_"))
def test_each_refused_build_keeps_the_last_good_site(project: Path, tmp_path: Path, breakage) -> None:
    with kept_site(project, tmp_path / "site") as site:
        expected = breakage(project)
        result = mkdocs_build(project, site)
    assert result.returncode != 0
    assert expected in result.output


def test_an_invalid_as_of_date_is_a_clear_error(project: Path, tmp_path: Path) -> None:
    result = mkdocs_build(project, tmp_path / "site", as_of="2026-02-30")
    assert result.returncode != 0
    assert "POLICY_AS_OF='2026-02-30' is not a date: write it as YYYY-MM-DD" in result.output


@pytest.mark.parametrize("as_of", ["20261126", "2026-11-26T00:00"])
def test_an_as_of_date_in_another_form_than_yyyy_mm_dd_is_refused(project: Path, tmp_path: Path,
                                                                  as_of: str) -> None:
    result = mkdocs_build(project, tmp_path / "site", as_of=as_of)
    assert result.returncode != 0
    assert f"POLICY_AS_OF={as_of!r} is not a date: write it as YYYY-MM-DD" in result.output


@pytest.mark.parametrize("option", ["as_of: !ENV [POLICY_AS_OF, null]", "as_of: 2027-01-02",
                                    "as_of: '2027-01-02'"])
def test_the_as_of_option_takes_a_date_however_yaml_writes_it(project: Path, tmp_path: Path,
                                                               option: str) -> None:
    with_plugin_options(project, f"      {option}\n")
    result = mkdocs_build(project, tmp_path / "site", as_of="2027-01-02")
    assert result.returncode == 0, result.output
    assert json.loads((result.site / "versions.json").read_bytes())["current"] == "2027-01-01"


def test_an_impossible_as_of_option_names_the_option_and_the_reason(project: Path, tmp_path: Path) -> None:
    with_plugin_options(project, "      as_of: '2026-02-30'\n")
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode != 0
    assert ("Plugin 'policy-site' option 'as_of': '2026-02-30' is not a date: write it as YYYY-MM-DD "
            "(day is out of range for month)") in result.output


def test_a_cookie_domain_no_browser_would_keep_refuses_the_build_and_keeps_the_last_site(
    project: Path, tmp_path: Path
) -> None:
    with kept_site(project, tmp_path / "site") as site:
        with_plugin_options(project, "      cookie_domain: .se\n")
        result = mkdocs_build(project, site)
    assert result.returncode != 0
    assert ("Plugin 'policy-site' option 'cookie_domain': '.se' is a top-level domain alone, which "
            "browsers keep no cookie for: write the company's domain, such as .example.se") in result.output


def test_an_as_of_date_before_the_first_version_is_a_clear_error(project: Path, tmp_path: Path) -> None:
    result = mkdocs_build(project, tmp_path / "site", as_of="2017-01-01")
    assert result.returncode != 0
    assert "no policy version is in effect on 2017-01-01" in result.output


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


def test_mkdocs_serve_reloads_when_a_policy_source_changes(project: Path) -> None:
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "POLICY_AS_OF": AS_OF}
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/en/changes/"
        wait_for(lambda: "Change history" in fetch(url))
        path = project / "policy_src/versions/2027-01-01/en.md"
        text = path.read_text(encoding="utf-8")
        summary = next(line for line in text.split("\n") if line.startswith("summary:"))
        path.write_text(text.replace(summary, 'summary: "A freshly edited summary."'), encoding="utf-8")
        wait_for(lambda: "A freshly edited summary." in fetch(url))
    finally:
        server.terminate()
        server.wait(timeout=10)
