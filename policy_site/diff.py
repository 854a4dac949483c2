"""Section-aware word diff between two versions of the policy text.

Readers compare legal text, so the units that matter are the section (matched by its stable
heading id, wherever it moved and whatever it is now called) and, inside it, the word: a line diff
would mark a whole paragraph for one corrected typo, a character diff would mark half-words. Two
Markdown bodies become a :class:`DocumentDiff`, rendered as accessible HTML for the site or as text
for a terminal.

The module is pure (standard library, markupsafe and the sources' heading reader) so the MkDocs
plugin, the CLI and the tests share it, and it survives a change of site generator.

Markdown is read only as far as the diff needs: headings with ``{#id}`` start sections; paragraphs,
list items (nested ones and an item's later paragraphs become blocks of their own), pipe-table rows
and admonitions (a block for the title, then the body's blocks) are blocks; inline markup is reduced
to the text a reader sees. Fenced code and setext headings are not recognised: policy text has none.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Generic, Literal, TypeVar

from markupsafe import Markup, escape

from policy_site.sources.markdown import read_heading

Status = Literal["unchanged", "changed", "added", "removed"]
Op = Literal["equal", "delete", "insert"]

SIMILARITY_THRESHOLD = 0.5
"""Share of words two blocks must have in common to be shown as one changed block; below it the
reader is better served by seeing the old block removed and the new one added."""


@dataclass(frozen=True)
class Block:
    """A paragraph, list item, table row or admonition title, as plain readable text."""

    kind: Literal["paragraph", "item", "row", "admonition"]
    text: str


@dataclass(frozen=True)
class Section:
    """The text under one heading, up to the next heading of any level. Id "" is the preamble."""

    id: str
    level: int
    title: str
    blocks: list[Block]


@dataclass(frozen=True)
class Segment:
    """A run of text that is in both versions, only the old one, or only the new one."""

    op: Op
    text: str


@dataclass(frozen=True)
class BlockDiff:
    kind: str
    status: Status
    segments: list[Segment]

    @property
    def words_removed(self) -> int:
        return sum(_count_words(s.text) for s in self.segments if s.op == "delete")

    @property
    def words_added(self) -> int:
        return sum(_count_words(s.text) for s in self.segments if s.op == "insert")


@dataclass(frozen=True)
class SectionDiff:
    """One section of either version. ``status`` describes the body; ``moved`` and ``renamed`` are
    independent flags. ``title`` is the new title (the old one for removed sections)."""

    id: str
    level: int
    title: str
    status: Status
    blocks: list[BlockDiff]
    moved: bool = False
    renamed: bool = False
    old_title: str | None = None

    @property
    def has_changes(self) -> bool:
        return self.status != "unchanged" or self.moved or self.renamed

    @property
    def words_removed(self) -> int:
        return sum(block.words_removed for block in self.blocks)

    @property
    def words_added(self) -> int:
        return sum(block.words_added for block in self.blocks)


@dataclass(frozen=True)
class DocumentDiff:
    """Sections in reading order: the new document's, with removed sections after their old
    predecessor."""

    sections: list[SectionDiff] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return any(section.has_changes for section in self.sections)

    @property
    def changed_sections(self) -> list[SectionDiff]:
        return [section for section in self.sections if section.has_changes]

    @property
    def unchanged_count(self) -> int:
        return len(self.sections) - len(self.changed_sections)


# Parsing ------------------------------------------------------------------------------------------

_ADMONITION = re.compile(r'^(?:!!!|\?\?\?\+?)[ \t]+([\w-]+)[^"]*(?:"(.*)")?[ \t]*$')
_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(.*)$")
_ROW = re.compile(r"^[ \t]*\|")
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_THEMATIC_BREAK = re.compile(r"^[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_LINK_DEFINITION = re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]*\S")
_INDENT = re.compile(r"^(?: {1,4}|\t)")

_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.S)
_BACKSLASH_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]+|[^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)>")
_IMAGE = re.compile(r"!\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)")
_LINK = re.compile(r"\[([^\]]*)\](?:\((?:[^()]|\([^()]*\))*\)|[ ]?\[[^\]]*\])")
_HTML_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>", re.S)
_INLINE_ATTRS = re.compile(r"\{:[^{}]*\}")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"\*(?=\S)(.+?)(?<=\S)\*|(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)")
_SPACES = re.compile(r"[ \t\r\n]+")
_PLACEHOLDER = re.compile("[\ue000-\uf8ff]")


def parse_sections(markdown: str) -> list[Section]:
    """Split a policy body into sections at every heading, whatever its level.

    Sections are flat (a ``###`` is not nested in its ``##``) so that a change is reported once, in
    the section that holds it. A heading without ``{#id}`` gets one derived from its title, and a
    repeated id a numeric suffix, so ids stay unique; the sources' validation reports both anyway.
    """
    return _parse_sections(markdown, _parse_blocks)


def _parse_sections(markdown: str, parse_blocks: Callable[[list[str]], list[Block]]) -> list[Section]:
    """:func:`parse_sections` with the blocks of each section's lines read by ``parse_blocks``."""
    chunks: list[tuple[tuple[int, str, str], list[str]]] = [((1, "", ""), [])]
    for line in markdown.replace("\r\n", "\n").split("\n"):
        heading = _parse_heading(line)
        if heading is None:
            chunks[-1][1].append(line)
        else:
            chunks.append((heading, []))
    sections: list[Section] = []
    taken: set[str] = set()
    for (level, section_id, title), lines in chunks:
        blocks = parse_blocks(lines)
        if not section_id and not blocks:
            continue  # no text before the first heading
        if section_id:
            section_id = _unique(section_id, taken)
        taken.add(section_id)
        sections.append(Section(section_id, level, title, blocks))
    return sections


def _parse_heading(line: str) -> tuple[int, str, str] | None:
    heading = read_heading(line)
    if heading is None:
        return None
    level, text, section_id = heading
    title = _inline_text(text)
    section_id = section_id or _slug(title)
    return level, section_id, title or section_id


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "section"


def _unique(section_id: str, taken: set[str]) -> str:
    candidate, number = section_id, 1
    while candidate in taken:
        number += 1
        candidate = f"{section_id}-{number}"
    return candidate


def _starts_block(line: str) -> bool:
    return bool(
        _ITEM.match(line) or _ROW.match(line) or _ADMONITION.match(line)
        or _THEMATIC_BREAK.match(line)
    )


def _parse_blocks(lines: list[str]) -> list[Block]:
    """Blocks in reading order; blank lines, rules, link definitions and table separators vanish."""
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.strip() or _THEMATIC_BREAK.match(line) or _LINK_DEFINITION.match(line):
            continue
        admonition = _ADMONITION.match(line)
        if admonition:
            body: list[str] = []
            while index < len(lines) and (not lines[index].strip() or _INDENT.match(lines[index])):
                body.append(_INDENT.sub("", lines[index], count=1))
                index += 1
            title = admonition.group(2)
            title = _inline_text(admonition.group(1).capitalize() if title is None else title)
            if title:
                blocks.append(Block("admonition", title))
            blocks.extend(_parse_blocks(body))
            continue
        if _ROW.match(line):
            if not _TABLE_RULE.match(line):
                cells = re.split(r"(?<!\\)\|", line.strip().removeprefix("|").removesuffix("|"))
                blocks.append(Block("row", " | ".join(_inline_text(cell) for cell in cells)))
            continue
        item = _ITEM.match(line)
        parts = [item.group(1) if item else line]
        while index < len(lines) and lines[index].strip() and not _starts_block(lines[index]):
            parts.append(lines[index])
            index += 1
        blocks.append(Block("item" if item else "paragraph", _inline_text("\n".join(parts))))
    return blocks


def _inline_text(markdown: str) -> str:
    """The text a reader sees: markup, link targets and raw HTML tags dropped, entities decoded.

    Code spans, backslash escapes and autolinks are set aside first (as private-use placeholders)
    so their content is kept literally. U+00A0 and U+2011 pass through untouched.
    """
    kept: list[str] = []

    def keep(text: str) -> str:
        kept.append(text)
        return chr(0xE000 + len(kept) - 1)

    text = _CODE_SPAN.sub(lambda m: keep(m.group(2).strip()), markdown)
    text = _BACKSLASH_ESCAPE.sub(lambda m: keep(m.group(1)), text)
    text = _AUTOLINK.sub(lambda m: keep(m.group(1)), text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    text = _INLINE_ATTRS.sub("", text)
    previous = None
    while previous != text:
        previous = text
        text = _STRONG.sub(r"\2", text)
        text = _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
    text = html.unescape(text)

    def restore(match: re.Match[str]) -> str:
        number = ord(match.group()) - 0xE000
        return kept[number] if number < len(kept) else match.group()

    text = _PLACEHOLDER.sub(restore, text)
    return _SPACES.sub(" ", text).strip(" ")


# Comparing ----------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_WORD = re.compile(r"\w+")


def _count_words(text: str) -> int:
    return len(_WORD.findall(text))


def diff_words(old: str, new: str) -> list[Segment]:
    """Word-level segments whose equal+delete parts spell ``old`` and equal+insert parts ``new``.

    Tokens are words, runs of whitespace and single punctuation marks, so a changed word is marked
    alone. Whitespace that merely separates two changes is absorbed into them, giving one readable
    run (``[-a b-]{+c d+}``) instead of alternating fragments.
    """
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    segments: list[Segment] = []
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        if removed:
            segments.append(Segment("delete", "".join(removed)))
        if added:
            segments.append(Segment("insert", "".join(added)))
        removed.clear()
        added.clear()

    for position, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        between_changes = 0 < position < len(opcodes) - 1
        if tag == "equal" and not (between_changes and "".join(a[i1:i2]).isspace()):
            flush()
            segments.append(Segment("equal", "".join(a[i1:i2])))
        else:
            removed.extend(a[i1:i2])
            added.extend(b[j1:j2])
    flush()
    return segments


def _words(text: str) -> list[str]:
    """The tokens that count for similarity: words and punctuation, not the space between."""
    return [token for token in _TOKEN.findall(text) if not token.isspace()]


def _similarity(old_words: list[str], new_words: list[str]) -> float:
    """Share of words two blocks have in common, or 0.0 if that is below SIMILARITY_THRESHOLD.

    Below the threshold the exact share changes nothing (such blocks are never paired), so the
    cheap upper bounds of :class:`SequenceMatcher` rule most pairs out before the real match.
    """
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
    if matcher.real_quick_ratio() < SIMILARITY_THRESHOLD or matcher.quick_ratio() < SIMILARITY_THRESHOLD:
        return 0.0
    return matcher.ratio()


def _whole(block: Block, status: Status) -> BlockDiff:
    op: Op = {"unchanged": "equal", "removed": "delete", "added": "insert"}[status]
    return BlockDiff(block.kind, status, [Segment(op, block.text)])


def _longest_common_subsequence(a: Sequence[str], b: Sequence[str]) -> set[str]:
    if a == b:
        return set(a)
    length = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            length[i][j] = (
                length[i + 1][j + 1] + 1 if a[i] == b[j]
                else max(length[i + 1][j], length[i][j + 1])
            )
    common: set[str] = set()
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            common.add(a[i])
            i, j = i + 1, j + 1
        elif length[i + 1][j] >= length[i][j + 1]:
            i += 1
        else:
            j += 1
    return common


def _whole_section(section: Section, status: Status) -> SectionDiff:
    blocks = [_whole(block, status) for block in section.blocks]
    return SectionDiff(section.id, section.level, section.title, status, blocks)


def diff_documents(old: str, new: str) -> DocumentDiff:
    """Compare two policy bodies section by section (matched by heading id), then block by block.

    A matched section is ``moved`` only if it is outside the longest common subsequence of the
    matched ids, so moving one section does not flag every section it jumped over. To compare
    many pairs (a site compares each version with its successor and with the current one), use
    one :class:`DiffCache` for all of them.
    """
    return DiffCache().diff_documents(old, new)


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Memo(Generic[K, V]):
    """Values by key, each computed once; those an earlier memo holds are taken over on first use."""

    def __init__(self, earlier: _Memo[K, V] | None = None) -> None:
        self._values: dict[K, V] = {}
        self._earlier: dict[K, V] = earlier._values if earlier is not None else {}

    def get(self, key: K, compute: Callable[[], V]) -> V:
        try:
            return self._values[key]
        except KeyError:
            value = self._earlier.pop(key) if key in self._earlier else compute()
            self._values[key] = value
            return value


class DiffCache:
    """Comparisons made once and remembered, so that comparing many versions stays cheap.

    A site compares each version with the next and every older version with the current one:
    about two comparisons per version and language, most of them between texts that share
    nearly every section and block with another pair. Whole comparisons are remembered by the
    SHA-256 of both texts, parsed texts by their SHA-256, and sections and blocks by their
    content. Each entry is a pure function of its key, so a remembered result is exactly the
    result of comparing again. Results are shared between callers: treat them as read-only.

    For ``mkdocs serve``, :meth:`next_build` hands what one build computed to the next, so a
    reload compares only the texts that changed. ``computed`` and ``reused`` count the whole
    comparisons answered either way.
    """

    def __init__(self, earlier: DiffCache | None = None) -> None:
        self.computed = 0
        self.reused = 0
        self._document_diffs: _Memo[tuple[str, str], DocumentDiff] = _Memo(
            earlier and earlier._document_diffs)
        self._parsed: _Memo[str, list[Section]] = _Memo(earlier and earlier._parsed)
        self._block_texts: _Memo[tuple[str, ...], list[Block]] = _Memo(earlier and earlier._block_texts)
        self._block_lists: _Memo[tuple[tuple[Block, ...], tuple[Block, ...]], list[BlockDiff]] = _Memo(
            earlier and earlier._block_lists)
        self._block_diffs: _Memo[tuple[Block, Block], BlockDiff] = _Memo(
            earlier and earlier._block_diffs)
        self._similarities: _Memo[tuple[Block, Block], float] = _Memo(
            earlier and earlier._similarities)
        self._word_lists: _Memo[str, list[str]] = _Memo(earlier and earlier._word_lists)

    def next_build(self) -> DiffCache:
        """A cache for the next build that takes over what this one holds as it is asked again.

        What the next build does not ask for is dropped with this cache, so a long ``mkdocs
        serve`` session never holds more than two builds' worth.
        """
        return DiffCache(self)

    def diff_documents(self, old: str, new: str) -> DocumentDiff:
        """:func:`diff_documents`, remembered by the SHA-256 of both texts."""
        old_key, new_key = _sha256(old), _sha256(new)
        computed = self.computed

        def compare() -> DocumentDiff:
            self.computed += 1
            return self._compare_documents(self._parse(old, old_key), self._parse(new, new_key))

        result = self._document_diffs.get((old_key, new_key), compare)
        if self.computed == computed:
            self.reused += 1
        return result

    def _parse(self, text: str, key: str) -> list[Section]:
        return self._parsed.get(key, lambda: _parse_sections(text, self._parse_blocks))

    def _parse_blocks(self, lines: list[str]) -> list[Block]:
        """Most sections of a version are word for word those of the version before."""
        return self._block_texts.get(tuple(lines), lambda: _parse_blocks(lines))

    def _compare_documents(self, old_sections: list[Section], new_sections: list[Section]) -> DocumentDiff:
        old_by_id = {section.id: section for section in old_sections}
        new_ids = {section.id for section in new_sections}
        in_place = _longest_common_subsequence(
            [s.id for s in old_sections if s.id in new_ids],
            [s.id for s in new_sections if s.id in old_by_id],
        )
        result: list[SectionDiff] = []
        for section in new_sections:
            before = old_by_id.get(section.id)
            if before is None:
                result.append(_whole_section(section, "added"))
                continue
            blocks = self._diff_blocks(before.blocks, section.blocks)
            renamed = before.title != section.title
            result.append(SectionDiff(
                section.id, section.level, section.title,
                "changed" if any(b.status != "unchanged" for b in blocks) else "unchanged",
                blocks, moved=section.id not in in_place, renamed=renamed,
                old_title=before.title if renamed else None,
            ))
        for position, section in enumerate(old_sections):
            if section.id in new_ids:
                continue
            after = old_sections[position - 1].id if position else None
            index = next((k + 1 for k, s in enumerate(result) if s.id == after), 0)
            result.insert(index, _whole_section(section, "removed"))
        return DocumentDiff(result)

    def _diff_blocks(self, old: Sequence[Block], new: Sequence[Block]) -> list[BlockDiff]:
        """Align identical blocks, then pair the rest by similarity.

        Pairing within each replaced stretch keeps the order of both sides and maximises the total
        similarity (a small dynamic programme: stretches are a handful of blocks), so one edited
        paragraph among new ones is still shown as edited. Removals come before additions.
        """

        def compare() -> list[BlockDiff]:
            result: list[BlockDiff] = []
            for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
                if tag == "equal":
                    result.extend(_whole(block, "unchanged") for block in new[j1:j2])
                else:
                    result.extend(self._pair_blocks(old[i1:i2], new[j1:j2]))
            return result

        return self._block_lists.get((tuple(old), tuple(new)), compare)

    def _pair_blocks(self, old: Sequence[Block], new: Sequence[Block]) -> list[BlockDiff]:
        similarity = [[self._similarity(o, n) for n in new] for o in old]
        score = [[0.0] * (len(new) + 1) for _ in range(len(old) + 1)]
        for i in range(1, len(old) + 1):
            for j in range(1, len(new) + 1):
                best = max(score[i - 1][j], score[i][j - 1])
                if similarity[i - 1][j - 1] >= SIMILARITY_THRESHOLD:
                    best = max(best, score[i - 1][j - 1] + similarity[i - 1][j - 1])
                score[i][j] = best
        backwards: list[BlockDiff] = []
        i, j = len(old), len(new)
        while i or j:
            pair = similarity[i - 1][j - 1] if i and j else 0.0
            if pair >= SIMILARITY_THRESHOLD and score[i][j] == score[i - 1][j - 1] + pair:
                backwards.append(self._changed(old[i - 1], new[j - 1]))
                i, j = i - 1, j - 1
            elif j and score[i][j] == score[i][j - 1]:
                backwards.append(_whole(new[j - 1], "added"))
                j -= 1
            else:
                backwards.append(_whole(old[i - 1], "removed"))
                i -= 1
        return backwards[::-1]

    def _similarity(self, old: Block, new: Block) -> float:
        if old.kind != new.kind:
            return 0.0
        return self._similarities.get((old, new), lambda: _similarity(
            self._word_lists.get(old.text, lambda: _words(old.text)),
            self._word_lists.get(new.text, lambda: _words(new.text))))

    def _changed(self, old: Block, new: Block) -> BlockDiff:
        if old.text == new.text:
            return _whole(new, "unchanged")
        return self._block_diffs.get((old, new), lambda: BlockDiff(
            new.kind, "changed", diff_words(old.text, new.text)))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Rendering ----------------------------------------------------------------------------------------

def _untranslated(message: str) -> str:
    return message


def _labels(section: SectionDiff, _: Callable[[str], str]) -> list[tuple[str, str]]:
    """(css modifier, text) for each status badge, the same in the summary and the section."""
    labels: list[tuple[str, str]] = []
    if section.status == "added":
        labels.append(("added", _("Section added")))
    elif section.status == "removed":
        labels.append(("removed", _("Section removed")))
    elif section.status == "changed":
        labels.append(("changed", _("Changed")))
    elif not section.has_changes:
        labels.append(("unchanged", _("Unchanged")))
    if section.moved:
        labels.append(("moved", _("Section moved")))
    if section.renamed:
        labels.append(("renamed", _("Section renamed")))
    return labels


def _counts(section: SectionDiff, _: Callable[[str], str]) -> list[tuple[str, str]]:
    """Word counts for the summary; a zero count is left out as noise."""
    counts = []
    if section.words_removed:
        counts.append(("removed", _("Words removed: %(n)d") % {"n": section.words_removed}))
    if section.words_added:
        counts.append(("added", _("Words added: %(n)d") % {"n": section.words_added}))
    return counts


def _title(section: SectionDiff, _: Callable[[str], str]) -> str:
    return section.title or _("Before the first heading")


def _split_edges(text: str) -> tuple[str, str, str]:
    """Leading whitespace, core, trailing whitespace: marks never start or end with a space."""
    core = text.strip()
    if not core:
        return text, "", ""
    start = text.index(core)
    return text[:start], core, text[start + len(core):]


def render_html(diff: DocumentDiff, _: Callable[[str], str]) -> Markup:
    """The diff as an HTML fragment: a summary, then every section (see module docs for classes).

    Headings are one level below the source's, so the page's own H1 stays the only one. Every
    mark carries visually hidden "Removed: "/"Added: " text from ``_`` so the change is announced
    by screen readers and not conveyed by colour alone. The output depends only on the input.

    The parts are built as plain strings, every text escaped with :func:`markupsafe.escape` as it
    goes in, and marked safe once at the end: ``Markup.format`` would escape the same way, but at
    several times the cost on a site that renders hundreds of diffs.
    """
    parts = [_render_summary(diff, _)]
    parts.extend(_render_section(section, _) for section in diff.sections)
    return Markup("\n".join(parts) + "\n")


def _escape(text: str) -> str:
    return str(escape(text))


def _render_badges(labels: list[tuple[str, str]], kind: str) -> str:
    return " ".join(f'<span class="ps-diff-{kind} ps-diff-{kind}--{modifier}">{_escape(text)}</span>'
                    for modifier, text in labels)


def _render_summary(diff: DocumentDiff, _: Callable[[str], str]) -> str:
    items = [
        f'<li><a href="#diff-{_escape(section.id)}">{_escape(_title(section, _))}</a> '
        f'{_render_badges(_labels(section, _), "badge")} {_render_badges(_counts(section, _), "count")}</li>'
        for section in diff.changed_sections
    ]
    listing = "<ul>\n" + "\n".join(items) + "\n</ul>" if items else f"<p>{_escape(_('No changes'))}</p>"
    unchanged = _("Unchanged sections: %(n)d") % {"n": diff.unchanged_count}
    return ('<nav class="ps-diff-summary" aria-labelledby="ps-diff-summary-title">\n'
            f'<h2 id="ps-diff-summary-title">{_escape(_("Summary of changes"))}</h2>\n{listing}\n'
            f'<p class="ps-diff-unchanged-count">{_escape(unchanged)}</p>\n</nav>')


def _render_mark(op: Op, text: str, _: Callable[[str], str]) -> str:
    tag, css, label = ("del", "ps-del", _("Removed:")) if op == "delete" else ("ins", "ps-ins", _("Added:"))
    return f'<{tag} class="{css}"><span class="ps-vh">{_escape(label)} </span>{_escape(text)}</{tag}>'


def _render_segments(segments: list[Segment], _: Callable[[str], str]) -> str:
    parts: list[str] = []
    for segment in segments:
        if segment.op == "equal":
            parts.append(_escape(segment.text))
            continue
        lead, core, trail = _split_edges(segment.text)
        parts.append(_escape(lead))
        if core:
            parts.append(_render_mark(segment.op, core, _))
        parts.append(_escape(trail))
    return "".join(parts)


def _render_blocks(blocks: list[BlockDiff], _: Callable[[str], str]) -> str:
    """Paragraphs, rows and admonition titles as ``<p>``; runs of items as one ``<ul>``."""
    parts: list[str] = []
    items: list[str] = []
    for block in blocks:
        css = f"ps-diff-block ps-diff-block--{block.kind} ps-diff-block--{block.status}"
        content = _render_segments(block.segments, _)
        if block.kind == "item":
            items.append(f'<li class="{css}">{content}</li>')
            continue
        if items:
            parts.append('<ul class="ps-diff-list">\n' + "\n".join(items) + "\n</ul>")
            items = []
        parts.append(f'<p class="{css}">{content}</p>')
    if items:
        parts.append('<ul class="ps-diff-list">\n' + "\n".join(items) + "\n</ul>")
    return "\n".join(parts)


def _render_section(section: SectionDiff, _: Callable[[str], str]) -> str:
    """A section with a real heading; an untouched one is collapsed, its heading in the summary
    element so the document outline stays complete."""
    level = min(section.level + 1, 6)
    section_id = _escape(section.id)
    heading = (f'<h{level} class="ps-diff-title" id="diff-{section_id}-title">'
               f'{_escape(_title(section, _))} {_render_badges(_labels(section, _), "badge")}</h{level}>')
    body = _render_blocks(section.blocks, _)
    if not section.has_changes:
        inner = f'<details class="ps-diff-unchanged">\n<summary>{heading}</summary>\n{body}\n</details>'
    else:
        parts = [heading]
        if section.renamed and section.old_title is not None:
            previously = _escape(_("Previously: %(title)s")) % {
                "title": _render_mark("delete", section.old_title, _)}
            parts.append(f'<p class="ps-diff-previously">{previously}</p>')
        if body:
            parts.append(body)
        inner = "\n".join(parts)
    css = ["ps-diff-section", f"ps-diff-section--{section.status}"]
    if section.moved:
        css.append("ps-diff-section--moved")
    if section.renamed:
        css.append("ps-diff-section--renamed")
    return (f'<section class="{" ".join(css)}" id="diff-{section_id}" '
            f'aria-labelledby="diff-{section_id}-title">\n{inner}\n</section>')


_ANSI = {"delete": "\x1b[31;9m", "insert": "\x1b[32;4m", "heading": "\x1b[1m", "reset": "\x1b[0m"}
_MARKERS = {"delete": ("[-", "-]"), "insert": ("{+", "+}")}
_TEXT_FRAME = {"item": ("- ", ""), "row": ("| ", " |"), "admonition": ("!!! ", "")}


def render_text(
    diff: DocumentDiff, *, color: bool, _: Callable[[str], str] = _untranslated
) -> str:
    """The same diff for a terminal: a summary, then each section with its blocks.

    With ``color`` removals are red and struck through, additions green and underlined (ANSI);
    without it they are written ``[-removed-]`` and ``{+added+}`` so the output reads in a log or
    a pipe. Untouched sections are listed by heading only.
    """

    def mark(op: Op, text: str) -> str:
        if color:
            return f"{_ANSI[op]}{text}{_ANSI['reset']}"
        start, end = _MARKERS[op]
        return f"{start}{text}{end}"

    def segments_text(segments: list[Segment]) -> str:
        out = []
        for segment in segments:
            lead, core, trail = _split_edges(segment.text)
            if segment.op == "equal" or not core:
                out.append(segment.text)
            else:
                out.append(f"{lead}{mark(segment.op, core)}{trail}")
        return "".join(out)

    def describe(section: SectionDiff) -> str:
        words = [text for _modifier, text in _labels(section, _) + _counts(section, _)]
        return f"{_title(section, _)}  [{', '.join(words)}]"

    lines = [_("Summary of changes")]
    lines.extend("  " + describe(section) for section in diff.changed_sections)
    if not diff.has_changes:
        lines.append("  " + _("No changes"))
    lines.append("  " + _("Unchanged sections: %(n)d") % {"n": diff.unchanged_count})
    for section in diff.sections:
        heading = f"{'#' * section.level} {describe(section)}"
        lines += ["", f"{_ANSI['heading']}{heading}{_ANSI['reset']}" if color else heading]
        if not section.has_changes:
            continue
        if section.renamed and section.old_title is not None:
            lines.append(_("Previously: %(title)s") % {"title": mark("delete", section.old_title)})
        previous_kind = None
        for block in section.blocks:
            if block.kind not in ("item", "row") or block.kind != previous_kind:
                lines.append("")
            previous_kind = block.kind
            start, end = _TEXT_FRAME.get(block.kind, ("", ""))
            lines.append(start + segments_text(block.segments) + end)
    return "\n".join(lines) + "\n"
