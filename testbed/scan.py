"""Running ``policy-site scan`` as the installed console script, and the fixture pages it must
catch.

The command runs from a folder that holds no policy project: it judges what a site publishes,
nothing else. Each fixture page is the built demo page, its real banner included, with one
hand-made problem after the banner's script; a plain static server serves them, as a site
without the service's Content Security Policy (which would block most of these problems in the
browser) serves its pages.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from testbed.site import policy_site

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
    """``policy-site scan`` run from ``cwd``, not watching a page on once its network is idle."""
    return policy_site("scan", "--wait", "0", *args, cwd=cwd, timeout=600)


def scan_json(cwd: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """A scan with the JSON report, which must end in a verdict (0 or 1) and say nothing else."""
    result = run_scan(cwd, "--format", "json", *args)
    assert result.returncode in (0, 1), result.stderr
    assert result.stderr == ""
    return result.returncode, json.loads(result.stdout)


def problems(report: dict[str, Any]) -> list[str]:
    """Every finding of a report that is a problem, with its page."""
    return [f"{page['url']}: {finding['message']}" for page in report["pages"]
            for finding in page["findings"] if finding["problem"]]


def assert_clean(code: int, report: dict[str, Any]) -> None:
    """No problem, exit code 0."""
    assert problems(report) == []
    assert code == 0
