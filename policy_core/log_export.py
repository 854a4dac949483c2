"""Each line of the consent log's export read and checked on its own: the work that can be shared.

The export is NDJSON, one record per line, in leaf order (:mod:`policy_core.log_audit` checks
the order and builds the tree). What one line needs is independent of every other: parse it,
take out ``hash`` and ``leaf_index``, recompute the hash over the rest
(:mod:`policy_core.log_record`), check the salt of a record made for the tree and that a purged
one keeps nothing but its hash, and compute its leaf hash. That is nine tenths of verifying an
export, so an export is read in chunks of whole lines (:func:`read_export`), which several
processes can check at once; each chunk comes back as compact lists, cheap to send between
processes, and chunks are handed on in order with only a few in flight, so memory does not grow
with the export.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from policy_core.errors import CoreError
from policy_core.log_record import (
    HASH_PATTERN,
    PURGED_KEYS,
    SALT_PATTERN,
    content_hash,
    is_from_chain,
)

MAX_RECORD_BYTES = 64 * 1024
"""The longest line read as a record; a record of the log is well under 2 KiB."""

CHUNK_BYTES = 4 << 20
"""How much of an export one process checks at a time."""

PENDING = -1
"""The leaf code of a record not yet in the tree (``"leaf_index": null``)."""
NO_INDEX = -2
"""The leaf code of a line that gives no usable leaf index."""

MADE_FOR_TREE, FROM_CHAIN, PURGED, UNREADABLE = range(4)
"""What a line holds: a record made for the tree, one migrated from the hash chain, what the
retention purge left of a record, or no record that can be read."""

RecordKey = Callable[[Mapping[str, Any]], Hashable | None]
"""What a caller wants to know about each record (given without ``hash`` and ``leaf_index``),
computed where the record is parsed: records are grouped by it (``None`` leaves a record out),
so that checks of the caller's own run once per distinct value rather than once per record."""

_ABSENT = object()
_TOO_LONG = (f"the line is longer than {MAX_RECORD_BYTES:,} bytes, the most a record can be: "
             "this is not a record of the log")


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


_decode = json.JSONDecoder(parse_constant=_refuse_constant).decode
_is_hash = HASH_PATTERN.fullmatch
_is_salt = SALT_PATTERN.fullmatch
_sha256 = hashlib.sha256


class LogExportError(CoreError):
    """An export cannot be read as asked (not a problem of its records)."""


@dataclass
class Chunk:
    """What checking consecutive lines of an export found, in a form cheap to send between
    processes: one entry per record in each list, in line order."""

    lines: int = 0
    """Lines the chunk spans, blank ones included."""
    first_line: int = 1
    """The export's line number of the chunk's first line."""
    offsets: list[int] = field(default_factory=list)
    """Each record's line, counted from the chunk's first line (0)."""
    codes: list[int] = field(default_factory=list)
    """Each record's leaf index, or :data:`PENDING` or :data:`NO_INDEX`."""
    kinds: list[int] = field(default_factory=list)
    leaves: list[bytes | None] = field(default_factory=list)
    """Each record's leaf hash, ``None`` when it has no readable ``hash``."""
    problems: dict[int, list[str]] = field(default_factory=dict)
    """The problems of the records, by position in the lists above."""
    groups: dict[Hashable, list[int]] = field(default_factory=dict)
    """Records by the caller's :data:`RecordKey`: the position of each in the lists above."""
    first: tuple[int, int, dict[str, Any]] | None = None
    """The first record the key did not leave out: line offset, leaf code, and the record
    without ``hash`` and ``leaf_index`` (the key sees it so too)."""
    last: tuple[int, int, dict[str, Any]] | None = None

    def line(self, offset: int) -> int:
        """The export's line number of the chunk's line ``offset``."""
        return self.first_line + offset

    def place(self, position: int) -> tuple[int, int]:
        """The line and the leaf code of the chunk's record at ``position``."""
        return self.first_line + self.offsets[position], self.codes[position]


def check_record(record: Mapping[str, Any]) -> tuple[int, int, bytes | None, list[str]]:
    """A record on its own: its leaf code, kind, leaf hash and every problem it has alone."""
    return _check_content(dict(record))


def _check_content(record: dict[str, Any]) -> tuple[int, int, bytes | None, list[str]]:
    """:func:`check_record` of a record this module owns: ``hash`` and ``leaf_index`` are
    taken out of it, which leaves what the hash covers."""
    problems = []
    index = record.pop("leaf_index", _ABSENT)
    claimed = record.pop("hash", _ABSENT)
    if type(index) is int and index >= 0:
        code = index
    elif index is None:
        code = PENDING
    else:
        code = NO_INDEX
        problems.append("the record has no leaf_index" if index is _ABSENT else
                        f"leaf_index is a leaf's number (0, 1, …) or null for a record not yet "
                        f"in the tree, found {index!r:.40}")
    if type(claimed) is str and _is_hash(claimed):
        leaf = _sha256(b"\x00" + bytes.fromhex(claimed)).digest()
    else:
        leaf = None
        problems.append(f"its hash is 64 lowercase hex digits, found "
                        f"{None if claimed is _ABSENT else claimed!r:.80}: the leaf it stands "
                        "for is unknown")
    if record.get("purged") is True:
        extra = sorted(set(record) - PURGED_KEYS)
        if extra:
            problems.append(f"a purged record keeps only leaf_index, hash and purged, but this one "
                            f"also holds {', '.join(extra)}: content the purge should have "
                            "deleted, which no hash covers")
        if code == PENDING:
            problems.append("a purged record is a leaf of the tree, so it has a leaf_index")
        return code, PURGED, leaf, problems
    if leaf is not None:
        computed = content_hash(record)
        if computed != claimed:
            problems.append(f"content does not match its hash (hashes to {computed}, the record "
                            f"says {claimed}): the record was edited")
    if is_from_chain(record):
        return code, FROM_CHAIN, leaf, problems
    salt = record.get("salt")
    if not (type(salt) is str and _is_salt(salt)):
        problems.append(f"its salt is 32 lowercase hex digits, found {salt!r:.80}: without "
                        "one, its content can be guessed from its hash")
    return code, MADE_FOR_TREE, leaf, problems


def check_lines(data: bytes, key: RecordKey | None = None, *, continues: bool = False,
                cut: bool = False) -> Chunk:
    """Check every line of ``data`` (lines of an export) on its own.

    ``continues``: ``data`` starts inside a line longer than a record can be, which the chunk
    before reported. ``cut``: ``data`` ends inside such a line, which is reported here.
    """
    try:
        lines: list[str] | list[bytes] = data.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        lines = data.split(b"\n")
    if continues:
        del lines[0]
    if lines and not lines[-1]:
        lines.pop()
    overlong = len(lines) - 1 if cut else None
    chunk = Chunk(lines=len(lines))
    offsets, codes, kinds, leaves = chunk.offsets, chunk.codes, chunk.kinds, chunk.leaves
    for offset, text in enumerate(lines):
        if not text or text.isspace():
            continue
        record, unreadable = (None, _TOO_LONG) if offset == overlong else _parse(text)
        if record is None:
            code, kind, leaf, problems = NO_INDEX, UNREADABLE, None, [unreadable]
        else:
            code, kind, leaf, problems = _check_content(record)
            if key is not None:
                facts = key(record)
                if facts is not None:
                    chunk.groups.setdefault(facts, []).append(len(codes))
                    chunk.last = (offset, code, record)
                    if chunk.first is None:
                        chunk.first = chunk.last
        if problems:
            chunk.problems[len(codes)] = problems
        offsets.append(offset)
        codes.append(code)
        kinds.append(kind)
        leaves.append(leaf)
    return chunk


def check_file_range(path: str, piece: Range, key: RecordKey | None = None) -> Chunk:
    """:func:`check_lines` of a range of the file at ``path``."""
    with open(path, "rb") as stream:
        stream.seek(piece.start)
        return check_lines(stream.read(piece.end - piece.start), key, continues=piece.continues,
                           cut=piece.cut)


def _parse(text: str | bytes) -> tuple[dict[str, Any] | None, str]:
    if len(text) > MAX_RECORD_BYTES:
        return None, _TOO_LONG
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            return None, (f"not UTF-8 text (byte {error.start + 1} of the line): not a record "
                          "of the log")
    try:
        record = _decode(text)
    except RecursionError:
        return None, "not a record of the log: JSON nested too deeply"
    except ValueError as error:
        reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        return None, f"not a JSON record ({reason}); the export is NDJSON, one record per line"
    if type(record) is not dict:
        return None, f"a record is a JSON object, found {type(record).__name__}"
    return record, ""


def read_export(path: Path, *, key: RecordKey | None = None, workers: int = 1,
                chunk_bytes: int = CHUNK_BYTES) -> Iterator[Chunk]:
    """The export's lines checked chunk by chunk, in order; at most ``2 * workers`` chunks are
    in flight at a time, so memory does not grow with the export. An export of one chunk is
    checked in this process: starting workers would cost more than they save."""
    ranges = list(_chunk_ranges(path, chunk_bytes))
    first_line = 1
    parallel = workers > 1 and len(ranges) > 1
    for chunk in (_checked_in_parallel(path, ranges, key, workers) if parallel
                  else (check_file_range(str(path), piece, key) for piece in ranges)):
        chunk.first_line = first_line
        first_line += chunk.lines
        yield chunk


def _checked_in_parallel(path: Path, ranges: Iterable[Range], key: RecordKey | None,
                         workers: int) -> Iterator[Chunk]:
    """Chunks checked by ``workers`` processes, in order. They are spawned, so they start from a
    clean interpreter whatever threads the caller runs."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        in_flight: deque = deque()
        for piece in ranges:
            in_flight.append(pool.submit(check_file_range, str(path), piece, key))
            if len(in_flight) > 2 * workers:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()


class Range(NamedTuple):
    """Bytes ``[start, end)`` of an export, and whether they start or end inside a line."""

    start: int
    end: int
    continues: bool = False
    """The range starts inside a line longer than a record, which began before it."""
    cut: bool = False
    """The range ends inside such a line."""


def _chunk_ranges(path: Path, chunk_bytes: int) -> Iterator[Range]:
    """Ranges of about ``chunk_bytes`` that end just after a newline. Where no newline comes
    within a record's length, the line there is longer than a record can be: the range ends
    inside it, after the bytes searched, and that line is reported once, at its number."""
    if chunk_bytes < 1:
        raise LogExportError("a chunk is at least one byte")
    with path.open("rb") as stream:
        size = stream.seek(0, 2)
        start, continues = 0, False
        while start < size:
            end, cut = min(size, start + chunk_bytes), False
            if end < size:
                stream.seek(end - 1)
                tail = stream.read(MAX_RECORD_BYTES + 1)
                newline = tail.find(b"\n")
                if newline >= 0:
                    end += newline
                else:
                    end, cut = end - 1 + len(tail), end - 1 + len(tail) < size
            yield Range(start, end, continues, cut)
            start, continues = end, cut
