"""``policy-site``: the legal editors' and auditors' commands.

Each command is a thin shell over the modules the site is built from (sources, lock, checks,
diff, audit), so what the terminal says and what the site shows cannot disagree. Every error of
those modules is turned into its message and exit code in one place, :class:`Commands`.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path

import click
from markupsafe import escape

from policy_core.errors import CoreError
from policy_core.languages import LANGUAGES
from policy_core.versions import CHANGE_TYPES
from policy_site import checks, diff, drafts, lock, release
from policy_site.as_of import AsOfError
from policy_site.errors import PolicySiteError
from policy_site.i18n import load_translations
from policy_site.log_commands import audit_command, verify_receipt_command
from policy_site.project import Project, ProjectNotFound
from policy_site.review import review, shown_text
from policy_site.scan.command import scan_command
from policy_site.scan.target import ScanError

EXIT_PROBLEMS = 1
EXIT_MISUSE = 2
MISUSE: tuple[type[Exception], ...] = (AsOfError, ProjectNotFound, release.PublishTargetError, ScanError)
"""Errors in how the command was run (its folder, its environment, the addresses it was given),
not in the project's files."""

EXIT_CODES = """\b
Exit codes:
  0  everything is fine
  1  problems were found (each printed as file:line: message)
  2  the command was used wrongly (unknown option, missing argument)"""

PUBLISH_EXIT_CODES = """\b
Exit codes:
  0  published, or the site served was already current (nothing changed)
  1  refused: problems in the sources, a failed build or check, or another
     publish running; the site served stays as it was
  2  the command was used wrongly (unknown option, a --site-dir that is a
     folder or file rather than a link made by publish, a bad POLICY_AS_OF)"""


class Commands(click.Group):
    """The command group; any error of the site generator or the core ends here, as its message
    (which names file and line) and exit code 2 for misuse, 1 for everything else."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (PolicySiteError, CoreError) as error:
            click.echo(str(error), err=True)
            ctx.exit(EXIT_MISUSE if isinstance(error, MISUSE) else EXIT_PROBLEMS)


pass_project = click.make_pass_decorator(Project)


@click.group(cls=Commands, epilog=EXIT_CODES)
@click.option("--project", "root", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="Folder holding mkdocs.yml and the policy sources.")
@click.pass_context
def main(ctx: click.Context, root: Path) -> None:
    """Write, check, compare and audit the versioned privacy policy.

    Dates are judged as of the plugin's as_of option in mkdocs.yml when it is set, else as of
    $POLICY_AS_OF (YYYY-MM-DD), else today; the sources folder is the plugin's sources option.
    """
    ctx.obj = Project(root.resolve(), warn=lambda message: click.echo(message, err=True))


@main.command(epilog=EXIT_CODES)
@click.option("--effective", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="Day the new version takes legal effect (YYYY-MM-DD).")
@click.option("--published", type=click.DateTime(["%Y-%m-%d"]),
              help="Day it is made public; default today.")
@click.option("--change-type", type=click.Choice(CHANGE_TYPES), default=CHANGE_TYPES[0],
              show_default=True, help="material changes are announced and ask visitors again.")
@pass_project
def new(project: Project, effective: datetime, published: datetime | None, change_type: str) -> None:
    """Start the next version as a copy of the latest one, in every language.

    Creates versions/<effective>/ with sv.md, en.md (and cookies.yml and facts.yml when the
    latest version has them) and fills in the front matter. Write what changed in `summary`,
    edit the text, then run `policy-site preview` and `policy-site check`.
    """
    sources = project.load()
    as_of = project.as_of
    effective_day = effective.date()
    published_day = published.date() if published else as_of
    latest = max(sources.versions, key=lambda v: v.effective, default=None)
    if effective_day <= as_of:
        raise click.UsageError(f"--effective {effective_day} must be after today ({as_of}): a "
                               "change is announced before it takes effect")
    if latest is not None and effective_day <= latest.effective:
        raise click.UsageError(f"--effective {effective_day} must be after every existing version "
                               f"(the latest takes effect on {latest.effective})")
    if published_day > effective_day:
        raise click.UsageError(f"--published {published_day} is after --effective {effective_day}")
    folder = drafts.start_version(project.sources_dir, latest, effective_day, published_day, change_type)
    lock.lock_in_effect(project.sources_dir, sources, as_of, shown_text(sources))
    click.echo(f"Created {project.show(folder)}/ from version {latest.id if latest else '-'}.")
    click.echo("Next: write `summary` in each language, edit the text, then run "
               "`policy-site preview` and `policy-site check`.")


@main.command(name="lock", epilog=EXIT_CODES)
@pass_project
def lock_command(project: Project) -> None:
    """Record what every version now in effect shows in versions.lock.

    For each version: the hashes of its files, of every fact it names (per language, from
    policy.yml or its own facts.yml) and of the text a visitor is shown. Run it when a version
    takes effect (the site's daily build is a good moment) and commit the lock file. Existing
    entries are never rewritten: `check` reports a changed version instead.
    """
    sources = project.load()
    added = lock.lock_in_effect(project.sources_dir, sources, project.as_of, shown_text(sources))
    click.echo(f"{project.show(project.sources_dir / lock.LOCK_FILE)}: "
               + (f"locked {', '.join(added)}" if added else "already up to date"))


@main.command(epilog=EXIT_CODES)
@click.option("--verbose", "-v", is_flag=True, help="Also list where each Art. 13 item is covered.")
@click.option("--no-build", is_flag=True, help="Skip the full `mkdocs build --strict` at the end.")
@pass_project
def check(project: Project, verbose: bool, no_build: bool) -> None:
    """Check everything before publishing, judging the versions the site shows on the as-of date.

    \b
    - everything `mkdocs build --strict` validates (front matter, dates, ids, inventory, links);
    - history is immutable: versions in effect show what versions.lock recorded (their files,
      the facts they name, the text shown); a fact changes in the next version's facts.yml;
    - translations stay aligned: the same sections, in the same order, in every language;
    - GDPR Art. 13: each required item, per version and language. Missing items are errors for
      versions not yet in effect, information for versions already in effect;
    - no placeholders remain for versions not yet in effect.
    A version whose published date is still ahead is left out, as the site leaves it out.
    """
    found = review(project, project.load())
    for version in found.unpublished:
        click.echo(f"version {version.id} is left out until it is published on {version.published}: "
                   f"check it as of then with POLICY_AS_OF={version.published}")
    _print_art13(found.art13, verbose)
    errors = found.problems
    for problem in errors:
        click.echo(str(problem), err=True)
    built = no_build or _strict_build(project)
    if errors or not built:
        count = len(errors) + (0 if built else 1)
        click.echo(f"check: {count} problem(s)", err=True)
        raise SystemExit(EXIT_PROBLEMS)
    click.echo("check: all good")


@main.command(name="diff", epilog=EXIT_CODES)
@click.argument("old")
@click.argument("new")
@click.option("--lang", type=click.Choice(LANGUAGES), default=LANGUAGES[0], show_default=True)
@click.option("--format", "output", type=click.Choice(["text", "html"]), default="text",
              show_default=True)
@click.option("--color/--no-color", default=None,
              help="Colour the text diff; default: when writing to a terminal.")
@pass_project
def diff_command(project: Project, old: str, new: str, lang: str, output: str,
                 color: bool | None) -> None:
    """Show what changed between two versions (ids are effective dates, YYYY-MM-DD).

    The same section-aware word diff as the site's /diff/ pages. Without colour, removed words
    are shown as [-words-] and added ones as {+words+}.
    """
    sources = project.load()
    shown = shown_text(sources)
    versions = {v.id: v for v in sources.versions}
    for version_id in (old, new):
        if version_id not in versions:
            raise click.UsageError(f"no version {version_id}; versions: {', '.join(sorted(versions))}")
    comparison = diff.diff_documents(shown(versions[old], lang), shown(versions[new], lang))
    gettext = load_translations(lang).gettext
    if output == "html":
        click.echo(_html_document(project, lang, f"{old}..{new}", diff.render_html(comparison, gettext)))
    else:
        use_color = sys.stdout.isatty() if color is None else color
        click.echo(diff.render_text(comparison, color=use_color, _=gettext), color=use_color)


@main.command(epilog=PUBLISH_EXIT_CODES)
@click.option("--site-dir", "link", type=click.Path(dir_okay=True, path_type=Path),
              help="The link the web server serves; the builds go beside it. Default: site_dir "
                   "in mkdocs.yml.")
@click.option("--keep", type=click.IntRange(min=release.MIN_KEEP), default=3, show_default=True,
              help="Builds to keep: the one served, the one before it for rollback, and older ones.")
@pass_project
def publish(project: Project, link: Path | None, keep: int) -> None:
    """Build the site as of today (or POLICY_AS_OF) and swap it in: what a daily timer runs.

    Checks the sources as `check` does and refuses what must not be published (placeholders
    included), builds into a new folder beside the site, checks the build and only then makes
    the site link point at it, in one atomic rename. On any failure the site served stays as it
    was. Running it again on the same day with the same sources changes nothing.
    """
    outcome = release.publish(project, link.absolute() if link else project.site_dir, keep=keep)
    for note in outcome.notes:
        click.echo(f"note: {note}", err=True)
    served = project.show(outcome.served)
    if not outcome.changed:
        click.echo(f"publish: {served} is already current as of {outcome.as_of} (current version "
                   f"{outcome.current}): nothing changed")
        return
    click.echo(f"publish: {served} is now served as of {outcome.as_of} (current version "
               f"{outcome.current})")
    if outcome.previous is not None:
        click.echo(f"publish: {project.show(outcome.previous)} is kept for rollback")
    for path in outcome.removed:
        click.echo(f"publish: removed {project.show(path)}")


@main.command(epilog=EXIT_CODES)
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
@pass_project
def preview(project: Project, dev_addr: str) -> None:
    """Serve the site locally and rebuild it whenever a source file is saved."""
    raise SystemExit(project.mkdocs("serve", "--dev-addr", dev_addr).returncode)


main.add_command(audit_command)
main.add_command(verify_receipt_command)
main.add_command(scan_command)


def _print_art13(results: list[checks.Art13Result], verbose: bool) -> None:
    """Every text's count; what is missing from texts in effect, and with -v what is present."""
    for result in results:
        text, lang = result.text, result.text.lang
        note = "" if result.upcoming else " (in effect: for information)"
        click.echo(f"{text.path}: Art. 13: {result.present} of {len(result.findings)} items present{note}")
        for finding in result.findings:
            item = finding.item
            if finding.present and verbose:
                click.echo(f"  ok      Art. {item.article} {item.title[lang]}: {text.path}:{finding.line}")
            elif not finding.present and not result.upcoming:
                click.echo(f"  missing Art. {item.article} {item.title[lang]}")


def _strict_build(project: Project) -> bool:
    """Run the real `mkdocs build --strict` into a throwaway folder; True when it passes."""
    with tempfile.TemporaryDirectory() as site:
        build = project.build(Path(site))
    if not build.ok:
        click.echo(build.said, err=True)
    return build.ok


def _html_document(project: Project, lang: str, title: str, body: str) -> str:
    title = str(escape(title))
    css_path = project.root / "theme" / "stylesheets" / "diff.css"
    css = css_path.read_text(encoding="utf-8") if css_path.is_file() else ""
    return (f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n<style>\n{css}</style>\n</head>\n<body>\n<main>\n"
            f"<h1>{title}</h1>\n{body}\n</main>\n</body>\n</html>")
