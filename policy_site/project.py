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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from policy_site.as_of import resolve_as_of
from policy_site.errors import PolicySiteError
from policy_site.sources import PolicySources, load_sources
from policy_site.sources.yaml_lines import CONSTRUCTION_ERRORS

if TYPE_CHECKING:
    from policy_site.config import PolicySiteConfig

CONFIG_FILE = "mkdocs.yml"
PLUGIN = "policy-site"


class ConfigError(PolicySiteError):
    """``mkdocs.yml`` cannot be used: MkDocs refuses it, or the plugin is not in it."""


class ProjectNotFound(ConfigError):
    """There is no ``mkdocs.yml`` where the command looked: it was run in the wrong folder."""


class Project:
    """Where the sources are and the as-of date every command judges status by.

    ``warn`` receives MkDocs' warnings about ``mkdocs.yml`` (unknown keys and the like), which
    do not stop a command.
    """

    def __init__(self, root: Path, warn: Callable[[str], None]) -> None:
        self.root = root
        self._warn = warn

    @cached_property
    def options(self) -> PolicySiteConfig:
        return read_options(self.root / CONFIG_FILE, self.show, self._warn)

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

    def mkdocs(self, *args: str, **run: object) -> subprocess.CompletedProcess:
        """Run the real ``mkdocs`` on this project, with this process's environment."""
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        return subprocess.run([sys.executable, "-m", "mkdocs", *args], cwd=self.root, env=env,
                              **run)  # type: ignore[call-overload]


def read_options(config_file: Path, show: Callable[[Path], str] = str,
                 warn: Callable[[str], None] = lambda message: None) -> PolicySiteConfig:
    """The plugin's options from ``config_file``, validated by MkDocs as a build validates them."""
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
    plugin = config.plugins.get(PLUGIN)
    if plugin is None:
        raise ConfigError(f"{where}: the {PLUGIN} plugin is not configured: add it under plugins")
    return plugin.config  # type: ignore[return-value]


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
