"""The section-aware word diff model: two parsed versions → a :class:`DocumentDiff`.

Readers compare legal text, so the units that matter are the section (matched by its stable
heading id, wherever it moved and whatever it is now called) and, inside it, the word: a line diff
would mark a whole paragraph for one corrected typo, a character diff would mark half-words.

Pure: standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

from policy_site.diff.parse import Block, Section

Status = Literal["unchanged", "changed", "added", "removed"]
Op = Literal["equal", "delete", "insert"]

SIMILARITY_THRESHOLD = 0.5
"""Share of words two blocks must have in common to be shown as one changed block; below it the
reader is better served by seeing the old block removed and the new one added."""


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


class Comparison:
    """How two parsed versions are compared, step by step.

    :meth:`blocks`, :meth:`words`, :meth:`same_kind_similarity` and :meth:`word_diff` are each a
    pure function of their arguments, so :class:`~policy_site.diff.cache.DiffCache` remembers
    them without changing a result.
    """

    def documents(self, old_sections: list[Section], new_sections: list[Section]) -> DocumentDiff:
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
            blocks = self.blocks(before.blocks, section.blocks)
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

    def blocks(self, old: Sequence[Block], new: Sequence[Block]) -> list[BlockDiff]:
        """Align identical blocks, then pair the rest by similarity.

        Pairing within each replaced stretch keeps the order of both sides and maximises the total
        similarity (a small dynamic programme: stretches are a handful of blocks), so one edited
        paragraph among new ones is still shown as edited. Removals come before additions.
        """
        result: list[BlockDiff] = []
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
            if tag == "equal":
                result.extend(_whole(block, "unchanged") for block in new[j1:j2])
            else:
                result.extend(self._pair_blocks(old[i1:i2], new[j1:j2]))
        return result

    def _pair_blocks(self, old: Sequence[Block], new: Sequence[Block]) -> list[BlockDiff]:
        similarity = [[self.similarity(o, n) for n in new] for o in old]
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
                backwards.append(self.changed(old[i - 1], new[j - 1]))
                i, j = i - 1, j - 1
            elif j and score[i][j] == score[i][j - 1]:
                backwards.append(_whole(new[j - 1], "added"))
                j -= 1
            else:
                backwards.append(_whole(old[i - 1], "removed"))
                i -= 1
        return backwards[::-1]

    def similarity(self, old: Block, new: Block) -> float:
        """Blocks of different kinds are never paired."""
        return self.same_kind_similarity(old, new) if old.kind == new.kind else 0.0

    def same_kind_similarity(self, old: Block, new: Block) -> float:
        return _similarity(self.words(old.text), self.words(new.text))

    def words(self, text: str) -> list[str]:
        return _words(text)

    def changed(self, old: Block, new: Block) -> BlockDiff:
        return _whole(new, "unchanged") if old.text == new.text else self.word_diff(old, new)

    def word_diff(self, old: Block, new: Block) -> BlockDiff:
        return BlockDiff(new.kind, "changed", diff_words(old.text, new.text))
