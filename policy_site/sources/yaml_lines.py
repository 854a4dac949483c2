"""YAML as editors write it: every value with its line, and every mistake as a line and a message.

PyYAML stops at the first value it cannot construct and raises whatever its constructor hit: a
``ValueError`` for ``2027-02-30`` (date-shaped, so it becomes a ``datetime.date``), a ``KeyError``
for ``!!bool maybe``, a ``ConstructorError`` for an unknown tag. An editor needs all of them at
once, each at its line, and never a traceback. So :func:`load_yaml` composes the document once,
records the line of every key, and constructs it with a loader whose ``construct_object`` turns a
failure into a :class:`YamlProblem` and puts an :class:`Unreadable` in the value's place.

Pure: no MkDocs import, no file access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

YAML_TAG = "tag:yaml.org,2002:"
KINDS = {
    "timestamp": "a date",
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "binary": "base64 data",
    "str": "text",
    "seq": "a list",
    "map": "a mapping",
    "set": "a set",
    "omap": "an ordered mapping",
    "pairs": "a list of pairs",
}
"""What a value of each standard tag is meant to be, in the words of the messages."""

CONSTRUCTION_ERRORS = (yaml.YAMLError, ValueError, ArithmeticError, LookupError, TypeError,
                       AttributeError)
"""What PyYAML's safe constructors let escape on a malformed value: ``ConstructorError`` for
tags and structure, ``ValueError`` for impossible dates, ``KeyError`` for ``!!bool maybe``,
``IndexError`` for an empty ``!!int``, ``AttributeError`` for a ``!!timestamp`` that is no
timestamp. Each is the editor's value, never our bug, so each becomes a problem."""


@dataclass(frozen=True)
class YamlProblem:
    """One mistake in a YAML text, at a line of its file (see ``first_line`` of :func:`load_yaml`)."""

    line: int
    message: str


@dataclass(frozen=True)
class Unreadable:
    """Stands for a value that could not be constructed; it has already been reported.

    Checks of the value skip it, so one mistake gives one message. It is hashable, so it can
    stand for a key too, and it is never a str, date or bool, so no check takes it for a
    valid value.
    """

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass
class YamlDocument:
    """The constructed data, the line of every key path, and every problem found on the way.

    ``data`` is ``None`` for an empty text and for one that is not YAML at all; ``lines`` maps
    a path of keys and list indexes (``("categories", 0, "id")``) to its line.
    """

    data: Any = None
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)


def load_yaml(text: str, first_line: int = 1) -> YamlDocument:
    """Parse ``text``, whose first line is line ``first_line`` of its file, reporting every mistake.

    Syntax errors end the reading (nothing after them can be trusted); duplicate keys and
    values that cannot be constructed are each reported, and reading goes on.
    """
    document = YamlDocument()
    loader: _ReportingLoader | None = None
    try:
        loader = _ReportingLoader(text, first_line)
        node = loader.get_single_node()
        if node is not None:
            document.lines, duplicates = _key_lines(node, first_line)
            document.problems.extend(duplicates)
            document.data = loader.construct(node)
            document.problems.extend(loader.problems)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + first_line if mark else first_line
        document.problems.append(_syntax(line, error.problem or str(error).splitlines()[0]))
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + first_line
        document.problems.append(_syntax(line, str(error).splitlines()[0]))
    except RecursionError:
        document.problems.append(YamlProblem(
            first_line, "nested too deeply to read: flatten the lists and mappings"))
    finally:
        if loader is not None:
            loader.dispose()
    document.problems.sort(key=lambda p: p.line)
    return document


def _syntax(line: int, reason: str) -> YamlProblem:
    return YamlProblem(line, f"not valid YAML ({reason}): check indentation and quoting")


def _key_lines(
    root: yaml.Node, first_line: int
) -> tuple[dict[tuple[Any, ...], int], list[YamlProblem]]:
    """The line of every key path, and the keys PyYAML would silently let a later one replace.

    Walks the composed nodes, before construction: merge keys (``<<``) are still as written, so
    a key that overrides a merged one is not mistaken for a duplicate.
    """
    lines: dict[tuple[Any, ...], int] = {}
    duplicates: list[YamlProblem] = []
    visited: set[int] = set()

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        lines.setdefault(path, node.start_mark.line + first_line)
        if id(node) in visited:
            return
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue  # construction reports a key that is a list or mapping
                key = key_node.value
                line = key_node.start_mark.line + first_line
                if key in seen:
                    duplicates.append(YamlProblem(line, f"key '{key}' appears twice: keep one"))
                seen.add(key)
                lines[(*path, key)] = line
                walk(value_node, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    walk(root, ())
    return lines, duplicates


class _ReportingLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a value it cannot construct is reported, not raised."""

    def __init__(self, text: str, first_line: int) -> None:
        super().__init__(text)
        self.first_line = first_line
        self.problems: list[YamlProblem] = []
        self.failed: dict[yaml.Node, Unreadable] = {}

    def construct(self, node: yaml.Node) -> Any:
        """The whole document, built depth first so every failure surfaces in its own node."""
        self.deep_construct = True
        try:
            return self.construct_object(node)
        finally:
            self.constructed_objects, self.recursive_objects = {}, {}

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.failed:
            return self.failed[node]
        if node in self.recursive_objects:
            error = yaml.constructor.ConstructorError(
                None, None, "it contains itself through an alias: write the value out instead",
                node.start_mark)
            return self.report(node, error)
        try:
            return super().construct_object(node, deep=deep)
        except CONSTRUCTION_ERRORS as error:
            self.recursive_objects.pop(node, None)
            return self.report(node, error)

    def report(self, node: yaml.Node, error: Exception) -> Unreadable:
        """Record why ``node`` cannot be constructed; its value is :class:`Unreadable` from now on."""
        mark = getattr(error, "problem_mark", None) or node.start_mark
        self.problems.append(YamlProblem(mark.line + self.first_line, _message(node, error)))
        self.failed[node] = Unreadable(node.value if isinstance(node.value, str) else "")
        return self.failed[node]

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict:
        """PyYAML would say "found unhashable key"; an editor needs to hear what that means."""
        if isinstance(node, yaml.MappingNode):
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise yaml.constructor.ConstructorError(
                        None, None, "a key is a list or a mapping: write each key as plain text",
                        key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def _message(node: yaml.Node, error: Exception) -> str:
    """What is wrong with the value of ``node``, in terms of what the editor wrote."""
    if isinstance(error, yaml.MarkedYAMLError):
        reason = error.problem
    elif isinstance(error, ValueError | ArithmeticError):
        reason = str(error)
    else:
        reason = None
    because = f" ({reason})" if reason else ""
    scalar = isinstance(node, yaml.ScalarNode)
    if scalar:
        shown = f"'{node.value}'"
    else:
        shown = "this list" if isinstance(node, yaml.SequenceNode) else "this mapping"
    standard = node.tag.startswith(YAML_TAG)
    kind = KINDS.get(node.tag.removeprefix(YAML_TAG)) if standard else None
    if kind is None:
        written = "!!" + node.tag.removeprefix(YAML_TAG) if standard else node.tag
        return (f"{shown} has the tag '{written}', which is not allowed here: remove the tag"
                + (" (and put the value in quotes if it is text)" if scalar else ""))
    if not scalar:
        as_kind = "" if node.tag in (YAML_TAG + "map", YAML_TAG + "seq") else f" as {kind}"
        return f"{shown} cannot be read{as_kind}{because}"
    if node.tag == YAML_TAG + "timestamp" and isinstance(error, ValueError):
        return f"{shown} is not a real date{because}: write a date that exists, as YYYY-MM-DD"
    return f"{shown} cannot be read as {kind}{because}: correct it, or put it in quotes if it is text"
