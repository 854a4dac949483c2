"""Site build time with the policy-site plugin against plain MkDocs, same pages, same run.

Generates synthetic histories of 50 and 100 versions (x 2 languages) from the shipped
2026-11-01 text with a few words changed per version, then times, in this one process:

* plugin:   ``mkdocs build`` of the sources through the policy-site plugin, with no diff
            remembered from an earlier build (what ``mkdocs build`` does in a fresh process);
* baseline: ``mkdocs build`` without the plugin of exactly the Markdown pages the plugin
            generates (written out as ordinary files), same theme and extensions;
* reload:   the plugin build again with the diffs of the build before it kept, as
            ``mkdocs serve`` does when a file changes that no policy text depends on.

Each round builds all of them back to back (the order of the two histories alternating), and
every ratio compares builds of the same round, so a shared machine's drifting load hits both
sides of a ratio alike. Usage: ``python -m bench.site_build [--repeat 5]``. Prints the
median and range of each ratio over the rounds; targets: plugin <= 2x baseline, and 100
versions <= 2.2x the time of 50.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config

from policy_site.diff import DiffCache
from policy_site.pages import SiteContent
from policy_site.sources import load_sources
from testbed import REPO

TEMPLATE = REPO / "policy_src" / "versions" / "2026-11-01"


def synthetic_sources(target: Path, count: int, seed: int = 7) -> date:
    """``count`` versions, one every 30 days, each changing a few words; returns the last date."""
    rng = random.Random(seed)
    shutil.copy(REPO / "policy_src" / "policy.yml", target / "policy.yml")
    texts = {lang: (TEMPLATE / f"{lang}.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
             for lang in ("sv", "en")}
    day = date(2019, 1, 1)
    for index in range(count):
        folder = target / "versions" / day.isoformat()
        folder.mkdir(parents=True)
        shutil.copy(TEMPLATE / "cookies.yml", folder / "cookies.yml")
        for lang, body in texts.items():
            words = body.split(" ")
            for _ in range(5):
                position = rng.randrange(len(words))
                if words[position].isalpha():
                    words[position] = words[position][::-1]
            texts[lang] = body = " ".join(words)
            front = {"effective": day, "published": day, "change_type": "editorial",
                     "title": "Policy", "summary": f"Synthetic version {index + 1}."}
            (folder / f"{lang}.md").write_text(
                "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + body,
                encoding="utf-8")
        day += timedelta(days=30)
    return day - timedelta(days=30)


def project(target: Path, with_plugin: bool, docs: Path) -> Path:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = str(docs)
    config["theme"]["custom_dir"] = str(REPO / "theme")
    config["site_dir"] = str(target / "site")
    if with_plugin:
        config["plugins"] = [{"policy-site": {"sources": str(target / "policy_src")}}]
    else:
        config["plugins"] = []
    config_file = target / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return config_file


@dataclass(frozen=True)
class Project:
    versions: int
    as_of: date
    plugin: Path
    plain: Path


def prepare(count: int, work: Path) -> Project:
    """The synthetic sources, and a project with the plugin and one of the same pages without."""
    root = work / f"v{count}"
    sources = root / "policy_src"
    sources.mkdir(parents=True)
    last = synthetic_sources(sources, count)
    docs = root / "docs"
    shutil.copytree(REPO / "docs", docs)
    plain_docs = root / "plain_docs"
    shutil.copytree(REPO / "docs", plain_docs)
    for page in SiteContent(load_sources(sources), last).pages():
        path = plain_docs / page.src_uri
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page.markdown, encoding="utf-8")
    (root / "plugin").mkdir()
    (root / "plain").mkdir()
    (root / "plugin" / "policy_src").symlink_to(sources)
    return Project(count, last, plugin=project(root / "plugin", True, docs),
                   plain=project(root / "plain", False, plain_docs))


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float
    """This process's CPU time: less disturbed than the wall clock by others sharing the cores."""


def timed_build(config_file: Path, *, as_of: date | None = None, cold: bool = False) -> Timing:
    """One ``mkdocs build``; ``cold`` forgets the diffs of earlier builds first.

    MkDocs keeps a plugin that has ``on_startup`` for the life of the process (that is what
    carries diffs across the rebuilds of ``mkdocs serve``), so a cold build must say so.
    """
    if as_of is not None:
        os.environ["POLICY_AS_OF"] = as_of.isoformat()
    wall, cpu = time.perf_counter(), time.process_time()
    config = load_config(str(config_file))
    if cold:
        config.plugins["policy-site"].diffs = DiffCache()
    build(config)
    return Timing(time.perf_counter() - wall, time.process_time() - cpu)


def one_round(projects: list[Project]) -> dict[str, Timing]:
    """Every build once; the keys name what was built."""
    times: dict[str, Timing] = {}
    for item in projects:
        times[f"plain {item.versions}"] = timed_build(item.plain)
        times[f"plugin {item.versions}"] = timed_build(item.plugin, as_of=item.as_of, cold=True)
        times[f"reload {item.versions}"] = timed_build(item.plugin, as_of=item.as_of)
    return times


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def report(rounds: list[dict[str, Timing]], counts: tuple[int, ...], clock: str) -> None:
    def seconds(round_: dict[str, Timing], key: str) -> float:
        return getattr(round_[key], clock)

    def ratios(top: str, bottom: str) -> list[float]:
        return [seconds(r, top) / seconds(r, bottom) for r in rounds]

    print(f"\n{clock} time: median seconds; ratios of builds in the same round, median (min-max)")
    print(f"{'versions':>8} {'plugin':>7} {'plain':>7} {'reload':>7}   {'plugin/plain':<18} reload/plain")
    for n in counts:
        median = {kind: statistics.median(seconds(r, f"{kind} {n}") for r in rounds)
                  for kind in ("plugin", "plain", "reload")}
        print(f"{n:>8} {median['plugin']:>7.2f} {median['plain']:>7.2f} {median['reload']:>7.2f}   "
              f"{spread(ratios(f'plugin {n}', f'plain {n}')):<18} "
              f"{spread(ratios(f'reload {n}', f'plain {n}'))}")
    low, high = counts
    print(f"scaling {high}/{low}: plugin {spread(ratios(f'plugin {high}', f'plugin {low}'))} "
          f"(target <= 2.2), plain {spread(ratios(f'plain {high}', f'plain {low}'))}")
    worst = max(max(ratios(f"plugin {n}", f"plain {n}")) for n in counts)
    print(f"worst plugin/plain of any round: {worst:.2f} (target <= 2.0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="rounds (default 5)")
    args = parser.parse_args()
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    counts = (50, 100)
    with tempfile.TemporaryDirectory() as tmp:
        projects = [prepare(count, Path(tmp)) for count in counts]
        rounds = [one_round(projects if index % 2 == 0 else projects[::-1])
                  for index in range(args.repeat)]
    print(f"{args.repeat} rounds of: plain MkDocs, plugin (cold), plugin again (reload), for "
          f"{' and '.join(map(str, counts))} versions")
    for clock in ("wall", "cpu"):
        report(rounds, counts, clock)


if __name__ == "__main__":
    main()
