"""``policy-site publish``: what the daily timer runs. It builds the site as of the day beside the
one being served, checks it, swaps it in atomically, keeps the one before for rollback, and
changes nothing when run again; on any failure the site served stays as it was.

Every test runs the real console script and real ``mkdocs`` builds. One published layout is
shared by the module; tests that change it work on a copy.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
import struct
from pathlib import Path

import pytest

from policy_core.publish_report import read_report
from policy_site.release import Releases, source_date_epoch
from testbed import faketime_env
from testbed.banner import ConsentServer
from testbed.choice import choice_body, manifest_entry
from testbed.deploy import (
    complete_project,
    copy_layout,
    layout,
    publish,
    request_json,
)
from testbed.site import AS_OF, copy_project, tree_digest

NEXT = "2027-01-01"
"""The effective date of the upcoming version: publishing as of it makes it current."""
RELEASE = re.compile(r"site\.\d{8}T\d{6}Z")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A complete project, published once as of AS_OF to ``www/site``."""
    base = tmp_path_factory.mktemp("published")
    project = complete_project(base / "project")
    (base / "www").mkdir()
    link = base / "www" / "site"
    result = publish(project, link, AS_OF)
    assert result.returncode == 0, result.stdout + result.stderr
    return project, link


@pytest.fixture
def copy(published: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """The published project and folder, copied for a test that changes them."""
    project, link = published
    new_project = copy_layout(project, tmp_path / "project")
    www = copy_layout(link.parent, tmp_path / "www")
    return new_project, www / "site"


def served(link: Path) -> dict:
    return json.loads((link / "versions.json").read_text(encoding="utf-8"))


def test_publish_builds_beside_the_link_and_points_the_link_at_the_build(published) -> None:
    _, link = published
    assert link.is_symlink()
    target = os.readlink(link)
    assert RELEASE.fullmatch(target), target
    assert (link.parent / target).is_dir()
    assert set(layout(link.parent)) == {"site", target, ".site.publish-lock", ".site.publish.json"}
    assert (served(link)["as_of"], served(link)["current"]) == (AS_OF, "2026-11-01")
    report = read_report(link)
    assert (report.result, report.as_of.isoformat(), report.current) == ("published", AS_OF, "2026-11-01")
    assert report.last_success == report.finished_at


def test_each_publish_leaves_its_result_beside_the_link_for_the_service(copy) -> None:
    project, link = copy
    assert publish(project, link, AS_OF).returncode == 0
    unchanged = read_report(link)
    assert (unchanged.result, unchanged.last_success) == ("unchanged", unchanged.finished_at)
    assert abs(unchanged.finished_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)

    path = project / "policy_src/versions/2027-01-01/en.md"
    path.write_text(path.read_text(encoding="utf-8").replace("published:", "publisched:", 1),
                    encoding="utf-8")
    assert publish(project, link, AS_OF).returncode == 1
    refused = read_report(link)
    assert (refused.result, refused.as_of, refused.current) == ("refused", None, None)
    assert "unknown front matter key 'publisched'" in refused.message
    assert refused.finished_at >= unchanged.finished_at
    assert refused.last_success == unchanged.finished_at, "the last success is remembered"


def test_the_build_is_dated_midnight_of_the_day_it_is_published_for(published) -> None:
    """SOURCE_DATE_EPOCH comes from the as-of day, which is what makes the build reproducible."""
    _, link = published
    header = (link / "sitemap.xml.gz").read_bytes()[:8]
    assert struct.unpack("<I", header[4:8])[0] == source_date_epoch(dt.date.fromisoformat(AS_OF))
    assert gzip.decompress((link / "sitemap.xml.gz").read_bytes()) == (link / "sitemap.xml").read_bytes()


def test_publishing_again_on_the_same_day_changes_nothing(published) -> None:
    project, link = published
    before, digest = layout(link.parent), tree_digest(link)
    times = {path: path.stat().st_mtime_ns for path in link.rglob("*")}

    result = publish(project, link, AS_OF)

    assert result.returncode == 0, result.stderr
    assert "already current as of 2026-12-01" in result.stdout
    assert "nothing changed" in result.stdout
    assert layout(link.parent) == before
    assert tree_digest(link) == digest
    assert {path: path.stat().st_mtime_ns for path in link.rglob("*")} == times


def test_a_broken_source_is_refused_and_the_site_served_stays_intact(copy) -> None:
    project, link = copy
    before, digest = layout(link.parent), tree_digest(link)
    path = project / "policy_src/versions/2027-01-01/en.md"
    path.write_text(path.read_text(encoding="utf-8").replace("published:", "publisched:", 1),
                    encoding="utf-8")

    result = publish(project, link, AS_OF)

    assert result.returncode == 1
    assert ("policy_src/versions/2027-01-01/en.md:3: unknown front matter key 'publisched'"
            in result.stderr)
    assert "Traceback" not in result.stderr
    assert layout(link.parent) == before
    assert tree_digest(link) == digest


def test_a_build_that_fails_leaves_no_half_build_and_the_site_served_intact(copy) -> None:
    project, link = copy
    before, digest = layout(link.parent), tree_digest(link)
    page = project / "docs" / "about.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n[Broken](no-such-page.md)\n", encoding="utf-8")

    result = publish(project, link, AS_OF)

    assert result.returncode == 1
    assert "no-such-page.md" in result.stderr
    assert "the build failed: nothing was published" in result.stderr
    assert layout(link.parent) == before
    assert tree_digest(link) == digest


def test_placeholders_are_refused_before_anything_is_built(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    link = tmp_path / "site"

    result = publish(project, link, AS_OF)

    assert result.returncode == 1
    assert re.search(r"policy_src/policy\.yml:\d+: placeholder controller\.name = 'PLACEHOLDER",
                     result.stderr)
    assert "nothing was published" in result.stderr
    assert not link.exists() and not link.is_symlink()
    assert sorted(path.name for path in tmp_path.iterdir()) == [".site.publish.json", "project"]
    assert (read_report(link).result, read_report(link).last_success) == ("refused", None)


def test_a_site_dir_that_is_a_real_folder_is_misuse_and_is_left_alone(tmp_path: Path) -> None:
    project = complete_project(tmp_path / "project")
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.html").write_text("served by hand", encoding="utf-8")

    result = publish(project, folder, AS_OF)

    assert result.returncode == 2
    assert f"{folder} is a folder, not a link made by publish" in result.stderr
    assert (folder / "index.html").read_text(encoding="utf-8") == "served by hand"
    assert read_report(folder) is None, "a misused command reports nothing"


def test_the_new_version_becomes_current_in_a_running_service_without_a_restart(
    copy, tmp_path: Path
) -> None:
    """On the morning of 2 January 2027 the service's clock has passed the effective date but the
    site still says 2026-11-01 is current, so choices for 2027-01-01 are refused; the timer's
    publish switches both, and the service never restarts."""
    project, link = copy
    first = os.readlink(link)
    server = ConsentServer(link, tmp_path)
    server.environment.update(faketime_env("2027-01-02 00:10:00"))
    server.start()
    try:
        pid = server.process.pid
        assert request_json("GET", server.url + "api/v1/health")[1]["site"]["current"] == "2026-11-01"
        status, body = request_json("POST", server.url + "api/v1/consents",
                                    choice_body(manifest_entry(link, NEXT)))
        assert (status, body["error"]["code"]) == (422, "version_not_in_effect"), body

        result = publish(project, link, NEXT)

        assert result.returncode == 0, result.stderr
        assert "(current version 2027-01-01)" in result.stdout
        assert f"{first} is kept for rollback" in result.stdout
        assert re.search(r"note: .*versions/2027-01-01/sv\.md:1: in effect since 2027-01-01 but not "
                         r"in .*versions\.lock", result.stderr)
        assert request_json("GET", server.url + "api/v1/health")[1]["site"]["current"] == NEXT
        status, body = request_json("POST", server.url + "api/v1/consents",
                                    choice_body(manifest_entry(link, NEXT)))
        assert status == 201, body
        assert server.process.pid == pid and server.process.poll() is None
    finally:
        server.stop()
    assert (link.parent / first).is_dir()


def test_old_builds_beyond_keep_are_removed_but_never_the_one_served(tmp_path: Path) -> None:
    releases = Releases(tmp_path / "site")
    names = [f"site.2026120{day}T000500Z" for day in range(1, 6)]
    for name in names:
        (tmp_path / name).mkdir()
    releases.activate(tmp_path / names[1])  # rolled back to an old build

    removed = releases.prune(3)

    assert sorted(path.name for path in removed) == [names[0]]
    assert sorted(path.name for path in releases.releases()) == names[1:]
    assert releases.current() == tmp_path / names[1]


def test_the_link_is_replaced_in_one_rename_and_nothing_is_left_behind(tmp_path: Path) -> None:
    releases = Releases(tmp_path / "site")
    old, new = tmp_path / "site.20261201T000500Z", tmp_path / "site.20261202T000500Z"
    old.mkdir()
    new.mkdir()
    releases.activate(old)
    inode = (tmp_path / "site").lstat().st_ino

    releases.activate(new)

    assert os.readlink(tmp_path / "site") == new.name
    assert (tmp_path / "site").lstat().st_ino != inode
    assert sorted(path.name for path in tmp_path.iterdir()) == ["site", old.name, new.name]


def test_two_publishes_on_the_same_second_get_two_folders(tmp_path: Path) -> None:
    releases = Releases(tmp_path / "site")
    moment = dt.datetime(2027, 1, 1, 0, 5, tzinfo=dt.UTC)
    first = releases.name_for(moment)
    first.mkdir()
    assert (first.name, releases.name_for(moment).name) == (
        "site.20270101T000500Z", "site.20270101T000500Z-2")


def test_the_help_lists_the_exit_codes(tmp_path: Path) -> None:
    result = publish(tmp_path, tmp_path / "site", AS_OF, "--help")
    assert result.returncode == 0
    for code in ("0  published, or the site served was already current", "1  refused", "2  the command"):
        assert code in result.stdout
