"""Comparisons made once and remembered: a site compares hundreds of pairs of similar texts.

Pure: standard library only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Sequence
from functools import partial
from typing import Generic, TypeVar

from policy_site.diff.compare import BlockDiff, Comparison, DocumentDiff
from policy_site.diff.parse import Block, Section, parse_blocks, parse_sections


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


class DiffCache(Comparison):
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
            return self.documents(self._parse(old, old_key), self._parse(new, new_key))

        result = self._document_diffs.get((old_key, new_key), compare)
        if self.computed == computed:
            self.reused += 1
        return result

    def _parse(self, text: str, key: str) -> list[Section]:
        return self._parsed.get(key, lambda: parse_sections(text, self._parse_blocks))

    def _parse_blocks(self, lines: list[str]) -> list[Block]:
        """Most sections of a version are word for word those of the version before."""
        return self._block_texts.get(tuple(lines), lambda: parse_blocks(lines))

    def blocks(self, old: Sequence[Block], new: Sequence[Block]) -> list[BlockDiff]:
        return self._block_lists.get((tuple(old), tuple(new)), partial(super().blocks, old, new))

    def same_kind_similarity(self, old: Block, new: Block) -> float:
        return self._similarities.get((old, new), partial(super().same_kind_similarity, old, new))

    def words(self, text: str) -> list[str]:
        return self._word_lists.get(text, partial(super().words, text))

    def word_diff(self, old: Block, new: Block) -> BlockDiff:
        return self._block_diffs.get((old, new), partial(super().word_diff, old, new))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
