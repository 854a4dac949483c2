"""The front end every source file is read through: text and YAML, with problems collected.

Each file kind (``policy.yml``, a version's texts, ``cookies.yml``) has its own rules module; all
of them read through one :class:`Reader`, so the same mistake (bad UTF-8, CRLF endings, a YAML
value that cannot be read) is reported the same way in every file, and one run collects every
problem instead of stopping at the first.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from policy_site.sources.problems import Problem
from policy_site.sources.yaml_lines import Unreadable, load_yaml

KeyLines = dict[tuple[Any, ...], int]
"""The line of each key path of a YAML document (see :class:`yaml_lines.YamlDocument`)."""


class Reader:
    """Collects problems while reading; one instance per validation run."""

    def __init__(self, display_base: Path) -> None:
        self.display_base = display_base
        self.problems: list[Problem] = []

    def show(self, path: Path) -> str:
        """``path`` as the editor should see it in a message: relative to where they work."""
        try:
            return os.path.relpath(path, self.display_base)
        except ValueError:
            return str(path)

    def problem(self, path: Path, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.show(path), line, message))

    def read_text(self, path: Path) -> tuple[bytes, str] | None:
        """The file's bytes and text, or ``None`` (reported) when it is not UTF-8 with LF endings."""
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            self.problem(path, line, "not valid UTF-8: save the file as UTF-8")
            return None
        if "\r" in text:
            line = text[: text.index("\r")].count("\n") + 1
            self.problem(path, line, "Windows (CRLF) line endings: save the file with LF endings")
            return None
        return raw, text

    def read_yaml(
        self, path: Path, expected: str, first_line: int = 1, text: str | None = None
    ) -> tuple[Any, KeyLines]:
        """Parsed YAML and the line of each key path; ``(None, {})`` when there is nothing to check.

        The one way sources read YAML, so a file and a front matter report the same mistakes
        the same way. Values that could not be constructed are :class:`Unreadable` in the data
        and already reported; the rest of the data is still checked.
        """
        if text is None:
            loaded = self.read_text(path)
            if loaded is None:
                return None, {}
            text = loaded[1]
        document = load_yaml(text, first_line)
        for found in document.problems:
            self.problem(path, found.line, found.message)
        if document.data is None and not document.problems:
            self.problem(path, first_line, f"empty: expected {expected}")
        if document.data is None or isinstance(document.data, Unreadable):
            return None, {}
        return document.data, document.lines


def unreadable_at(data: Any, path: tuple[Any, ...]) -> bool:
    """Whether the value at ``path``, or one it lies within, could not be read as YAML.

    That value has been reported already; a check of it would only repeat the message.
    """
    node = data
    for part in path:
        if isinstance(node, Unreadable):
            return True
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return False
    return isinstance(node, Unreadable)


def unknown_key(key: str, allowed: tuple[str, ...], kind: str = "key") -> str:
    """The message for a key that is not allowed: the one probably meant, and all allowed ones."""
    close = difflib.get_close_matches(key, allowed, n=1)
    suggestion = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown {kind} '{key}'{suggestion}; allowed: {', '.join(allowed)}"
