"""Each pair of texts is compared once: remembered by the SHA-256 of both texts, within a build
and, in ``mkdocs serve``, from one build to the next."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from policy_site.diff import DiffCache, diff_documents, render_html, render_text
from testbed.site import AS_OF, REPO, mkdocs_build

VERSIONS = REPO / "policy_src" / "versions"


def body(version: str, lang: str = "sv") -> str:
    return (VERSIONS / version / f"{lang}.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]


OLD, NEW, NEXT = body("2018-05-25"), body("2026-11-01"), body("2027-01-01")


def english(message: str) -> str:
    return message


def test_a_remembered_comparison_is_the_comparison() -> None:
    cache = DiffCache()
    remembered = cache.diff_documents(OLD, NEW)
    fresh = diff_documents(OLD, NEW)
    assert remembered.has_changes
    assert remembered == fresh
    assert render_html(remembered, english) == render_html(fresh, english)
    assert render_text(remembered, color=False) == render_text(fresh, color=False)


def test_the_same_two_texts_are_compared_once() -> None:
    cache = DiffCache()
    first = cache.diff_documents(OLD, NEW)
    again = cache.diff_documents(OLD, NEW)
    assert again == first
    assert (cache.computed, cache.reused) == (1, 1)


def test_a_changed_text_is_compared_again() -> None:
    cache = DiffCache()
    before = cache.diff_documents(NEW, NEXT)
    edited = NEXT + "\nEtt helt nytt stycke om cookies.\n"
    after = cache.diff_documents(NEW, edited)
    assert (cache.computed, cache.reused) == (2, 0)
    assert after == diff_documents(NEW, edited) != before
    assert "Ett helt nytt stycke om cookies." in render_text(after, color=False)
    assert "Ett helt nytt stycke om cookies." not in render_text(before, color=False)


def test_the_order_of_the_two_texts_counts() -> None:
    cache = DiffCache()
    forwards, backwards = cache.diff_documents(OLD, NEW), cache.diff_documents(NEW, OLD)
    assert cache.computed == 2
    assert backwards == diff_documents(NEW, OLD) != forwards


def test_the_next_build_reuses_what_the_last_one_compared() -> None:
    build = DiffCache()
    build.diff_documents(OLD, NEW)
    rebuild = build.next_build()
    assert rebuild.diff_documents(OLD, NEW) == diff_documents(OLD, NEW)
    assert (rebuild.computed, rebuild.reused) == (0, 1)


def test_what_a_build_no_longer_compares_is_forgotten_after_it() -> None:
    first = DiffCache()
    first.diff_documents(OLD, NEW)
    first.diff_documents(NEW, NEXT)
    second = first.next_build()
    second.diff_documents(OLD, NEW)
    third = second.next_build()
    third.diff_documents(OLD, NEW)
    third.diff_documents(NEW, NEXT)
    assert (third.computed, third.reused) == (1, 1)


def diff_counts(output: str) -> list[tuple[int, int]]:
    """(compared, reused) from each build's ``diffs:`` line of ``mkdocs -v`` output."""
    counts = []
    for line in output.splitlines():
        if "policy_site: diffs: " in line:
            compared, reused = line.split("diffs: ", 1)[1].split(", ")
            counts.append((int(compared.split()[0]), int(reused.split()[0])))
    return counts


def test_a_build_compares_each_diff_page_once(project: Path, tmp_path: Path) -> None:
    result = mkdocs_build(project, tmp_path / "site", options=("--verbose",))
    assert result.returncode == 0, result.output
    diff_pages = list(result.site.glob("diff/*/index.html")) + list(result.site.glob("en/diff/*/index.html"))
    assert len(diff_pages) >= 4
    assert diff_counts(result.output) == [(len(diff_pages), 0)]


def test_a_serve_reload_compares_only_the_pairs_whose_text_changed(project: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "POLICY_AS_OF": AS_OF}
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--verbose", "--dev-addr", "127.0.0.1:0"],
        cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(iter(server.stderr.readline, "")), daemon=True)
    reader.start()

    def wait_for(done: Callable[[str], bool]) -> str:
        deadline = time.monotonic() + 120
        while not done("".join(output)):
            assert server.poll() is None, "".join(output)
            assert time.monotonic() < deadline, "".join(output)
            time.sleep(0.2)
        return "".join(output)

    try:
        served = wait_for(lambda text: "Serving on" in text)
        [(pages, reused)] = diff_counts(served)
        assert reused == 0
        path = project / "policy_src/versions/2027-01-01/en.md"
        path.write_text(path.read_text(encoding="utf-8") + "\nA sentence added while previewing.\n",
                        encoding="utf-8")
        reloaded = wait_for(lambda text: len(diff_counts(text)) == 2)
        assert diff_counts(reloaded)[1] == (1, pages - 1)
    finally:
        server.terminate()
        server.wait(timeout=10)
        reader.join(timeout=10)
        server.stderr.close()
