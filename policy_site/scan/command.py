"""``policy-site scan``: the command, a thin shell over the scanner.

It needs no policy project, only addresses: it judges what a site publishes, so it works as
well on the company's other sites that embed the banner as on the policy site itself. A
:class:`ScanError` (the scan cannot be made as asked) is the command group's to report, with
exit code 2.
"""

from __future__ import annotations

from pathlib import Path

import click

from policy_site.scan import Chromium, scan_page
from policy_site.scan.browser import CHROMIUM
from policy_site.scan.report import render_json, render_text
from policy_site.scan.target import Target, origin, policy_base, require_web_address, resolve

EXIT_CODES = """\b
Exit codes:
  0  nothing but declared items, each only with its consent
  1  problems were found (each printed with the page and the states it was seen in)
  2  the scan could not be made: a bad address or option, an unknown version, no policy site
     or no banner at the address, or no Chromium"""


def _host_rule(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    rules = {}
    for value in values:
        host, _, address = value.partition("=")
        if not host or not address or " " in value or "," in value:
            raise click.BadParameter(f"{value!r}: expected HOST=ADDRESS, e.g. "
                                     "www.example.se=127.0.0.1")
        rules[host] = address
    return rules


@click.command(name="scan", epilog=EXIT_CODES)
@click.argument("urls", nargs=-1, required=True, metavar="URL [URL ...]")
@click.option("--version", "version_id", metavar="ID",
              help="Compare with this version's inventory (YYYY-MM-DD); default: the version "
                   "the policy site says is in effect.")
@click.option("--policy-origin", metavar="URL",
              help="Where the policy site publishes versions.json, for pages on another site "
                   "that embed the banner; default: each scanned page's own origin.")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--resolve", "hosts", multiple=True, metavar="HOST=ADDRESS", callback=_host_rule,
              help="Send requests for HOST to ADDRESS instead of asking DNS (repeatable).")
@click.option("--wait", type=click.FloatRange(0, 60), default=1.0, show_default=True, metavar="SECONDS",
              help="Seconds to keep watching a page after its network is idle.")
@click.option("--chromium", "executable", metavar="PATH", type=click.Path(dir_okay=False, path_type=Path),
              default=CHROMIUM, show_default=True, help="The Chromium to drive.")
@click.pass_context
def scan_command(ctx: click.Context, urls: tuple[str, ...], version_id: str | None,
                 policy_origin: str | None, output: str, hosts: dict[str, str], wait: float,
                 executable: Path) -> None:
    """Check that pages store only declared items, each only with its consent.

    Each URL is opened in Chromium in fresh profiles: before any choice, after Reject all,
    after accepting each optional category alone (in the banner's settings) and after Accept
    all. Every cookie, localStorage, sessionStorage and IndexedDB item and every request to
    another origin is listed and compared with the cookie inventory the policy site publishes
    (versions.json and versions/<id>/cookies.yml).

    Problems: an item the inventory does not declare; an item of a category present without
    consent to it; anything optional present before a choice; a request to another origin than
    the page's and the policy site's before any consent. Requests to other origins with consent
    are listed for information.
    """
    for url in urls:
        require_web_address(url, "URL")
    if policy_origin is not None:
        require_web_address(policy_origin, "--policy-origin")
    with Chromium(executable, hosts, wait) as browser:
        targets: dict[str, Target] = {}
        scans = []
        for url in urls:
            base = policy_base(policy_origin) if policy_origin else origin(url) + "/"
            if base not in targets:
                targets[base] = resolve(browser.fetch, base, version_id)
            scans.append(scan_page(browser, url, targets[base]))
    click.echo(render_json(scans) if output == "json" else render_text(scans))
    if any(scan.problems for scan in scans):
        ctx.exit(1)
