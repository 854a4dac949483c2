"""Small HTML helpers for tests: text of an element without chosen parts, links, attributes."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class _TextCollector(HTMLParser):
    def __init__(self, root_tag: str, skip_classes: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.root_tag, self.skip_classes = root_tag, skip_classes
        self.depth = 0          # depth inside the root element
        self.skip_depth = 0     # depth inside a skipped element
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        if self.depth == 0 and tag == self.root_tag:
            self.depth = 1
            return
        if self.depth:
            self.depth += 1
            if self.skip_depth:
                self.skip_depth += 1
            elif classes & self.skip_classes:
                self.skip_depth = 1

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or not self.depth:
            return
        self.depth -= 1
        if self.skip_depth:
            self.skip_depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth and not self.skip_depth:
            self.parts.append(data)


def element_text(html: str, root_tag: str = "article", skip_classes: set[str] | None = None) -> str:
    collector = _TextCollector(root_tag, skip_classes or set())
    collector.feed(html)
    return " ".join(collector.parts)


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.extend((tag, name, value or "") for name, value in attrs)


def attributes(html: str) -> list[tuple[str, str, str]]:
    """Every ``(tag, attribute, value)`` in a document."""
    parser = _Attributes()
    parser.feed(html)
    return parser.found


def ascii_words(text: str) -> list[str]:
    """Split on ASCII whitespace only, so U+00A0 stays inside words as the seed has it."""
    return [word for word in re.split(r"[ \t\n\r\f\v]+", text) if word]


class _Elements(HTMLParser):
    def __init__(self, tag: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tag = tag
        self.found: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == self.tag:
            self.found.append({name: value or "" for name, value in attrs})


def elements(html: str, tag: str) -> list[dict[str, str]]:
    """The attributes of every ``tag`` element in a document, in order."""
    parser = _Elements(tag)
    parser.feed(html)
    return parser.found


class Document(HTMLParser):
    """A page's elements with their attributes, in document order, and its visible text: what
    tests of server-rendered pages look at."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self._text: list[str] = []
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    @property
    def text(self) -> str:
        """All text, whitespace collapsed to single spaces."""
        return " ".join(" ".join(self._text).split())

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        """The attributes of every ``tag`` element whose attributes have the given values
        (``data_ps_open`` stands for ``data-ps-open``)."""
        wanted = {key.replace("_", "-"): value for key, value in attrs.items()}
        return [found for name, found in self.elements
                if name == tag and all(found.get(key) == value for key, value in wanted.items())]
