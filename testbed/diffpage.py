"""Reading a rendered diff as a reader does: a small HTML tree to ask what is marked where (the
tests state behaviour rather than formatting), the catalogs it is rendered with, and the
fixture pair of policy texts."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from testbed import REPO

FIXTURES = REPO / "tests" / "site" / "fixtures" / "diff"
NBSP, NB_HYPHEN = "\u00a0", "\u2011"

SWEDISH = {
    "Removed:": "Borttaget:",
    "Added:": "Tillagt:",
    "Summary of changes": "Sammanfattning av ändringar",
    "Section added": "Nytt avsnitt",
    "Section removed": "Borttaget avsnitt",
    "Section moved": "Flyttat avsnitt",
    "Section renamed": "Nytt namn på avsnittet",
    "Changed": "Ändrat",
    "Unchanged": "Oförändrat",
    "No changes": "Inga ändringar",
    "Previously: %(title)s": "Tidigare: %(title)s",
    "Words removed: %(n)d": "Borttagna ord: %(n)d",
    "Words added: %(n)d": "Tillagda ord: %(n)d",
    "Unchanged sections: %(n)d": "Oförändrade avsnitt: %(n)d",
    "Before the first heading": "Före första rubriken",
}


def english(message: str) -> str:
    return message


def swedish(message: str) -> str:
    """A catalog that fails on any message it does not know, so no string escapes translation."""
    return SWEDISH[message]


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def walk(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [
            node for node in self.walk()
            if node is not self and (tag is None or node.tag == tag)
            and (cls is None or cls in node.classes)
        ]

    def find(self, tag: str | None = None, cls: str | None = None) -> Node:
        found = self.find_all(tag, cls)
        assert found, f"no <{tag} class={cls}> in <{self.tag} {self.attrs}>"
        return found[0]

    def text(self, *, hidden: bool = False) -> str:
        """What is seen; with ``hidden`` also the visually hidden text screen readers announce."""
        parts = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif hidden or "ps-vh" not in child.classes:
                parts.append(child.text(hidden=hidden))
        return "".join(parts)

    def marked(self, tag: str) -> list[str]:
        """Visible text of each <del> or <ins>, in order."""
        return [node.text() for node in self.find_all(tag)]

    def section(self, section_id: str) -> Node:
        return self.find_all_by_id(f"diff-{section_id}")

    def find_all_by_id(self, element_id: str) -> Node:
        matches = [node for node in self.walk() if node.attrs.get("id") == element_id]
        assert len(matches) == 1, f"{len(matches)} elements with id {element_id!r}"
        return matches[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.open[-1].children.append(node)
        self.open.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert self.open[-1].tag == tag, f"</{tag}> closes <{self.open[-1].tag}>"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def parse_html(markup: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(str(markup))
    builder.close()
    assert len(builder.open) == 1, f"unclosed <{builder.open[-1].tag}>"
    return builder.root


def block_views(node: Node) -> list[tuple[str, list[str], list[str]]]:
    """(status, removed runs, added runs) of each diff block under ``node``."""
    views = []
    for block in node.find_all(cls="ps-diff-block"):
        status = next(c.rsplit("--", 1)[1] for c in block.classes
                      if c.rsplit("--", 1)[-1] in {"unchanged", "changed", "added", "removed"})
        views.append((status, block.marked("del"), block.marked("ins")))
    return views


def badges(section: Node) -> list[str]:
    heading = section.find(cls="ps-diff-title")
    return [badge.text() for badge in heading.find_all(cls="ps-diff-badge")]
