"""Publishing the site: build it as of a day beside the one being served, check it, swap it in.

The served site is a symbolic link to one of the builds beside it::

    site -> site.20270101T230502Z       what nginx and the consent service read
    site.20270101T230502Z/              the build published last
    site.20261231T230503Z/              the one before, kept for rollback
    .site.building-4242/                a build in progress, never served

A new build is made in a hidden folder of its own and checked there; only then is it renamed to
``site.<UTC time>`` and a new link renamed over the old one (``rename(2)``), so readers see the
old site or the new one, never a mix and never a gap. Whatever fails before that, the old site
stays served and untouched. The service re-reads ``versions.json`` through the link when it
changes, so it needs no restart.

Builds are reproducible: the same sources as of the same day give the same bytes
(``SOURCE_DATE_EPOCH`` is midnight UTC of that day), so publishing twice on one day changes
nothing. Only one publish runs at a time (a lock file beside the link).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from policy_core.errors import CoreError
from policy_core.manifest import ManifestError, parse
from policy_core.publish_report import PublishReport, ReportError, Result, read_report, write_report
from policy_site.as_of import AS_OF_ENV
from policy_site.errors import PolicySiteError
from policy_site.project import Project
from policy_site.publish import PUBLISH_ENV, TRUE
from policy_site.review import review
from policy_site.sources import Problem

EPOCH_ENV = "SOURCE_DATE_EPOCH"
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
MIN_KEEP = 2
"""The build being served and the one before it, for rollback."""


class PublishRefused(PolicySiteError):
    """The new site was not published; the message lists every reason, the old site is untouched."""


class PublishTargetError(PolicySiteError):
    """The target cannot be managed by publish (a real folder, a file): the command was misused."""


@dataclass(frozen=True)
class Outcome:
    """What a publish did."""

    as_of: dt.date
    current: str
    """The policy version the served site shows as current."""
    served: Path
    """The build the link points at now."""
    changed: bool
    """False when the new build was identical to the one already served."""
    previous: Path | None = None
    removed: list[Path] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    """Versions in effect that versions.lock does not hold yet (`policy-site lock`)."""


def source_date_epoch(as_of: dt.date) -> int:
    """Midnight UTC of ``as_of``: the build date a reproducible build of that day writes."""
    return int(dt.datetime.combine(as_of, dt.time(), tzinfo=dt.UTC).timestamp())


def publish(project: Project, link: Path, *, keep: int = 3,
            clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> Outcome:
    """Build the site as of ``project.as_of`` and make it what ``link`` serves, keeping ``keep``
    builds. Raises :class:`PublishRefused` (old site untouched) or :class:`PublishTargetError`.

    Whether it published, found the site current or refused is written beside the link
    (:mod:`policy_core.publish_report`) for the consent service to report; a misused command,
    which never reached the link, writes nothing."""
    if keep < MIN_KEEP:
        raise PublishTargetError(f"keep at least {MIN_KEEP} builds (the one served and the one "
                                 f"before it, for rollback), not {keep}")
    releases = Releases(link)
    releases.check_target()
    as_of = project.as_of
    try:
        outcome = _publish(project, releases, as_of, keep=keep, clock=clock)
    except (PolicySiteError, CoreError) as refused:
        _report(link, clock(), "refused", None, None, str(refused))
        raise
    _report(link, clock(), "published" if outcome.changed else "unchanged", outcome.as_of,
            outcome.current, "")
    return outcome


def _report(link: Path, finished: dt.datetime, result: Result, as_of: dt.date | None,
            current: str | None, message: str) -> None:
    try:
        earlier = read_report(link)
    except ReportError:
        earlier = None
    last_success = finished if result != "refused" else earlier.last_success if earlier else None
    write_report(link, PublishReport(finished, result, as_of, current, last_success, message))


def _publish(project: Project, releases: Releases, as_of: dt.date, *, keep: int,
             clock: Callable[[], dt.datetime]) -> Outcome:
    found = review(project, project.load())
    if found.blocking:
        raise PublishRefused("\n".join([*map(str, found.blocking),
                                        f"publish: {len(found.blocking)} problem(s): nothing was "
                                        f"published and {releases.describe()} is untouched"]))
    with releases.exclusive():
        releases.remove_unfinished()
        building = releases.building()
        try:
            _build(project, building, as_of)
            current = _check_build(building, as_of)
            served = releases.current()
            if served is not None and tree_digest(served) == tree_digest(building):
                shutil.rmtree(building)
                return Outcome(as_of, current, served, changed=False, notes=found.unlocked)
            release = releases.name_for(clock())
            building.rename(release)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        releases.activate(release)
        removed = releases.prune(keep)
    return Outcome(as_of, current, release, changed=True, previous=served, removed=removed,
                   notes=found.unlocked)


def tree_digest(folder: Path) -> str:
    """One SHA-256 over every file's path and bytes below ``folder``: equal for identical trees."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _build(project: Project, target: Path, as_of: dt.date) -> None:
    """The real ``mkdocs build --strict``, for publishing (placeholders a visitor would see are
    refused, not marked as a draft), as of exactly ``as_of``."""
    env = {AS_OF_ENV: as_of.isoformat(), EPOCH_ENV: str(source_date_epoch(as_of)), PUBLISH_ENV: TRUE}
    build = project.build(target, env)
    if not build.ok:
        raise PublishRefused(f"{build.said}\npublish: the build failed: nothing was published")


def _check_build(site: Path, as_of: dt.date) -> str:
    """The built ``versions.json`` as the consent service will read it; the current version."""
    where = site.name + "/versions.json"
    try:
        manifest = parse(json.loads((site / "versions.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, ManifestError) as error:
        raise PublishRefused(f"{where}: the service could not use it ({error}): nothing was "
                             "published") from None
    if manifest.as_of != as_of or manifest.current is None:
        raise PublishRefused(f"{where}: built as of {manifest.as_of} with current version "
                             f"{manifest.current}, expected as of {as_of}: nothing was published")
    return manifest.current


class Releases:
    """The builds beside ``link`` and the link that says which one is served."""

    NAME = re.compile(r"\d{8}T\d{6}Z(?:-\d+)?")

    def __init__(self, link: Path) -> None:
        self.link = link.absolute()
        self.folder = self.link.parent

    def describe(self) -> str:
        served = self.current()
        return f"{self.link} (serving {served.name})" if served else str(self.link)

    def check_target(self) -> None:
        """The link may be missing (first publish) or a link; anything else is not ours."""
        if self.link.exists() and not self.link.is_symlink():
            kind = "folder" if self.link.is_dir() else "file"
            raise PublishTargetError(
                f"{self.link} is a {kind}, not a link made by publish: move it away (for example "
                f"`mv {self.link} {self.link}.old`) and publish again, or publish to another "
                "--site-dir")
        if not self.folder.is_dir():
            raise PublishTargetError(f"{self.folder} does not exist: create it for the builds")

    def current(self) -> Path | None:
        """The build the link points at, when it is one of ours and still there."""
        if not self.link.is_symlink():
            return None
        target = self.folder / os.readlink(self.link)
        if target.parent != self.folder or not self._is_release(target) or not target.is_dir():
            return None
        return target

    def releases(self) -> list[Path]:
        """Every build beside the link, oldest first."""
        return sorted(path for path in self.folder.glob(f"{self.link.name}.*")
                      if self._is_release(path) and path.is_dir() and not path.is_symlink())

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the lock that keeps a second publish from building beside this one."""
        path = self.folder / f".{self.link.name}.publish-lock"
        with path.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise PublishRefused(f"another publish to {self.link} is running (it holds {path}): "
                                     "nothing was published") from None
            yield

    def building(self) -> Path:
        path = self.folder / f".{self.link.name}.building-{os.getpid()}"
        shutil.rmtree(path, ignore_errors=True)
        return path

    def remove_unfinished(self) -> None:
        """Builds left by a publish that was killed (the lock is held: none is running)."""
        for path in self.folder.glob(f".{self.link.name}.building-*"):
            shutil.rmtree(path, ignore_errors=True)

    def name_for(self, now: dt.datetime) -> Path:
        stamp = now.astimezone(dt.UTC).strftime(STAMP_FORMAT)
        path, number = self.folder / f"{self.link.name}.{stamp}", 1
        while path.exists() or path.is_symlink():
            number += 1
            path = self.folder / f"{self.link.name}.{stamp}-{number}"
        return path

    def activate(self, release: Path) -> None:
        """Point the link at ``release`` in one ``rename(2)``, durably."""
        staged = self.folder / f".{self.link.name}.link-{os.getpid()}"
        with suppress(FileNotFoundError):
            staged.unlink()
        staged.symlink_to(release.name)
        os.replace(staged, self.link)
        descriptor = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def prune(self, keep: int) -> list[Path]:
        """Remove all but the ``keep`` newest builds; the one served always stays."""
        served = self.current()
        removed = [path for path in self.releases()[:-keep] if path != served]
        for path in removed:
            shutil.rmtree(path)
        return removed

    def _is_release(self, path: Path) -> bool:
        prefix = f"{self.link.name}."
        return path.name.startswith(prefix) and bool(self.NAME.fullmatch(path.name[len(prefix):]))
