"""Site build time with the policy-site plugin against plain MkDocs, same pages, same run.

Generates synthetic histories of 50 and 100 versions (x 2 languages) from the shipped
2026-11-01 text with a few words changed per version, then times, in this one process:

* plugin:   ``mkdocs build`` of the sources through the policy-site plugin;
* baseline: ``mkdocs build`` without the plugin of exactly the Markdown pages the plugin
            generates (written out as ordinary files), same theme and extensions.

Usage: ``.venv/bin/python bench/site_build.py [--repeat 3]``. Prints medians and ratios;
targets: plugin <= 2x baseline, and 100 versions <= 2.2x the time of 50.
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
from datetime import date, timedelta
from pathlib import Path

import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config

from policy_site.pages import SiteContent
from policy_site.sources import load_sources

REPO = Path(__file__).resolve().parents[1]
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


def timed_build(config_file: Path) -> float:
    start = time.perf_counter()
    build(load_config(str(config_file)))
    return time.perf_counter() - start


def measure(count: int, repeat: int, work: Path) -> tuple[float, float]:
    root = work / f"v{count}"
    sources = root / "policy_src"
    sources.mkdir(parents=True)
    last = synthetic_sources(sources, count)
    os.environ["POLICY_AS_OF"] = last.isoformat()
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
    with_plugin = project(root / "plugin", True, docs)
    plain = project(root / "plain", False, plain_docs)
    plugin_times, plain_times = [], []
    for _ in range(repeat):  # interleaved, so drifting machine load hits both alike
        plain_times.append(timed_build(plain))
        plugin_times.append(timed_build(with_plugin))
    return statistics.median(plugin_times), statistics.median(plain_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    with tempfile.TemporaryDirectory() as tmp:
        results = {n: measure(n, args.repeat, Path(tmp)) for n in (50, 100)}
    print(f"{'versions':>8} {'plugin s':>9} {'plain s':>8} {'ratio':>6}")
    for count, (plugin, plain) in results.items():
        print(f"{count:>8} {plugin:>9.2f} {plain:>8.2f} {plugin / plain:>6.2f}")
    print(f"scaling 100/50 (plugin): {results[100][0] / results[50][0]:.2f} (target <= 2.2)")
    worst = max(p / q for p, q in results.values())
    print(f"worst plugin/plain ratio: {worst:.2f} (target <= 2.0)")


if __name__ == "__main__":
    main()
