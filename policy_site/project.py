"""A policy project on disk, as the commands see it: the same mkdocs.yml, options and date as
the build.

``mkdocs.yml`` is read by MkDocs' own :func:`~mkdocs.config.load_config`, so ``!ENV`` and every
other MkDocs tag work, and the plugin's options arrive validated by the same
:class:`~policy_site.config.PolicySiteConfig` the build uses. MkDocs is imported only when the
file is first read: the auditors' command and ``--help`` need no project and never load it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from policy_site.as_of import resolve_as_of
from policy_site.errors import PolicySiteError
from policy_site.sources import PolicySources, load_sources
from policy_site.sources.yaml_lines import CONSTRUCTION_ERRORS

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

    from policy_site.config import PolicySiteConfig

CONFIG_FILE = "mkdocs.yml"
PLUGIN = "policy-site"
QUIET_LEVELS = ("INFO", "DEBUG")
"""What a build says that is not worth repeating when it fails."""


class ConfigError(PolicySiteError):
    """``mkdocs.yml`` cannot be used: MkDocs refuses it, or the plugin is not in it."""


class ProjectNotFound(ConfigError):
    """There is no ``mkdocs.yml`` where the command looked: it was run in the wrong folder."""


@dataclass(frozen=True)
class Build:
    """How a ``mkdocs build --strict`` went."""

    ok: bool
    said: str
    """Its warnings and errors, each with its continuation lines; no INFO lines."""


class Project:
    """Where the sources are and the as-of date every command judges status by.

    ``warn`` receives MkDocs' warnings about ``mkdocs.yml`` (unknown keys and the like), which
    do not stop a command.
    """

    def __init__(self, root: Path, warn: Callable[[str], None]) -> None:
        self.root = root
        self._warn = warn

    @cached_property
    def config(self) -> MkDocsConfig:
        """``mkdocs.yml`` as MkDocs reads it, with the plugin configured in it."""
        return read_config(self.root / CONFIG_FILE, self.show, self._warn)

    @property
    def options(self) -> PolicySiteConfig:
        return self.config.plugins[PLUGIN].config  # type: ignore[return-value]

    @property
    def site_dir(self) -> Path:
        """Where ``mkdocs build`` writes the site (``site_dir``, absolute as MkDocs makes it)."""
        return Path(self.config.site_dir)

    @property
    def sources_dir(self) -> Path:
        return self.root / self.options.sources

    @cached_property
    def as_of(self) -> date:
        return resolve_as_of(self.options.as_of)

    def load(self) -> PolicySources:
        """Validated sources, or :class:`~policy_site.sources.SourceError` naming every problem."""
        return load_sources(self.sources_dir)

    def show(self, path: Path) -> str:
        """Paths in messages are relative to where the editor runs the command."""
        return os.path.relpath(path, Path.cwd())

    def mkdocs(self, *args: str, env: Mapping[str, str] | None = None,
               **run: object) -> subprocess.CompletedProcess:
        """Run the real ``mkdocs`` on this project, with this process's environment and ``env``."""
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
        return subprocess.run([sys.executable, "-m", "mkdocs", *args], cwd=self.root, env=env,
                              **run)  # type: ignore[call-overload]

    def build(self, site_dir: Path, env: Mapping[str, str] | None = None) -> Build:
        """The real ``mkdocs build --strict`` into ``site_dir``.

        Not ``--quiet``: MkDocs then drops warnings before strict mode counts them, and a build
        that strict mode must fail passes. The output is filtered here instead.
        """
        result = self.mkdocs("build", "--strict", "--site-dir", str(site_dir), env=env,
                             capture_output=True, text=True)
        said = _worth_saying(result.stdout + "\n" + result.stderr)
        return Build(result.returncode == 0, said or f"mkdocs exited with {result.returncode}")


def _worth_saying(output: str) -> str:
    """MkDocs' warnings and errors (a line starting with its level, and the lines after it
    until the next level), without what it logs for information."""
    kept, quiet = [], False
    for line in output.splitlines():
        level = line.split(" ", 1)[0]
        if level.isupper() and line[len(level):].lstrip().startswith("-"):
            quiet = level in QUIET_LEVELS
        if not quiet and line.strip():
            kept.append(line)
    return "\n".join(kept)


def read_config(config_file: Path, show: Callable[[Path], str] = str,
                warn: Callable[[str], None] = lambda message: None) -> MkDocsConfig:
    """``config_file`` validated by MkDocs as a build validates it, the plugin's options too;
    refused when the plugin is not configured in it."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    where = show(config_file)
    if not config_file.is_file():
        raise ProjectNotFound(f"{where} not found: run from the project folder or pass --project")
    with _mkdocs_messages() as messages:
        try:
            config = load_config(str(config_file))
        except MkDocsException as error:
            said = [message for level, message in messages if level >= logging.ERROR] or [str(error)]
            raise ConfigError("\n".join(f"{where}: {message}" for message in said)) from None
        except CONSTRUCTION_ERRORS as error:
            raise ConfigError(f"{where}: a value cannot be read ({error}): is a date in it, or one "
                              "that !ENV reads from the environment, impossible?") from None
    for _level, message in messages:
        warn(f"{where}: {message}")
    if config.plugins.get(PLUGIN) is None:
        raise ConfigError(f"{where}: the {PLUGIN} plugin is not configured: add it under plugins")
    return config


@contextmanager
def _mkdocs_messages() -> Iterator[list[tuple[int, str]]]:
    """MkDocs reports what is wrong with a configuration through its log, then raises a bare
    "Aborted"; collect the log so the command can say what was wrong."""
    messages: list[tuple[int, str]] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append((record.levelno, record.getMessage()))

    handler = Collect(logging.WARNING)
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
