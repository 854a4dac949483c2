"""Where the log's Merkle tree hashes are stored: C2SP tlog-tiles (https://c2sp.org/tlog-tiles).

A tile is a row of up to 256 consecutive hashes at one level of the tree. Tile level ``L``
holds hashes of Merkle level ``8 * L``: level 0 tiles hold leaf hashes, and each hash in a
level ``L + 1`` tile is the root of a *full* level ``L`` tile. Every other Merkle level is
recomputed from the tile below it, so a hash at any (level, index) is read from exactly one
tile. The rightmost tiles of a tree are *partial* (fewer than 256 hashes) and grow as the
tree does; their width at a tree size is ``floor(size / 256**L) mod 256``.

Tiles are handled here as a mapping from (tile level, tile index) to the tile's bytes: its
hashes concatenated, 32 bytes each, as the spec serves them at ``tile/<L>/<N>[.p/<W>]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass

from policy_core.errors import CoreError
from policy_core.merkle import HASH_SIZE, node_hash
from policy_core.merkle_frontier import Node
from policy_core.merkle_proofs import HashSource, consistency_ranges, inclusion_ranges, range_nodes

TILE_HEIGHT = 8
"""Merkle levels per tile level."""

TILE_WIDTH = 1 << TILE_HEIGHT
"""Hashes in a full tile: 256, or 8,192 bytes."""

MAX_TILE_LEVEL = 63

TileKey = tuple[int, int]
"""(tile level, tile index): where a tile's bytes are kept, whatever its current width."""

_PATH = re.compile(r"tile/(0|[1-9][0-9]?)/((?:x[0-9]{3}/)*[0-9]{3})(?:\.p/([1-9][0-9]{0,2}))?",
                   re.ASCII)


class TileError(CoreError):
    """A tile path, a tile's contents or a write to a tile does not fit C2SP tlog-tiles."""


class TileMissing(TileError):
    """A hash was asked for whose tile is not there, or not yet wide enough."""


@dataclass(frozen=True, order=True)
class Tile:
    """One tile of a tree of a given size: its level, its index within the level, its width."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if type(self.level) is not int or not 0 <= self.level <= MAX_TILE_LEVEL:
            raise TileError(f"a tile level is an integer from 0 to {MAX_TILE_LEVEL}, "
                            f"found {self.level!r}")
        if type(self.index) is not int or self.index < 0:
            raise TileError(f"a tile index is a non-negative integer, found {self.index!r}")
        if type(self.width) is not int or not 1 <= self.width <= TILE_WIDTH:
            raise TileError(f"a tile holds 1 to {TILE_WIDTH} hashes, found width {self.width!r}")

    @property
    def key(self) -> TileKey:
        return self.level, self.index

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH

    @property
    def path(self) -> str:
        """``tile/<L>/<N>[.p/<W>]``, the tile's address relative to the log's prefix."""
        suffix = f".p/{self.width}" if self.is_partial else ""
        return f"tile/{self.level}/{encode_index(self.index)}{suffix}"

    @classmethod
    def parse(cls, path: str) -> Tile:
        """The tile at ``path`` (``tile/1/x001/x234/067.p/17``); refuses any other spelling."""
        match = _PATH.fullmatch(path) if isinstance(path, str) else None
        if match is None:
            raise TileError(f"{path!r:.120} is not a tile path: expected tile/<L>/<N>[.p/<W>], "
                            "<N> in 3-digit groups, all but the last prefixed with x")
        level = int(match[1])
        if level > MAX_TILE_LEVEL:
            raise TileError(f"{path}: tile level {level} is above {MAX_TILE_LEVEL}")
        width = int(match[3]) if match[3] else TILE_WIDTH
        if match[3] and width >= TILE_WIDTH:
            raise TileError(f"{path}: a partial tile holds 1 to {TILE_WIDTH - 1} hashes, "
                            f"found {width}")
        groups = match[2].replace("x", "").split("/")
        if len(groups) > 1 and groups[0] == "000":
            raise TileError(f"{path}: the tile index has a leading zero group")
        return cls(level, int("".join(groups)), width)


def encode_index(index: int) -> str:
    """A tile index as zero-padded 3-digit path elements, all but the last prefixed with
    ``x``: 1234067 is ``x001/x234/067``."""
    if type(index) is not int or index < 0:
        raise TileError(f"a tile index is a non-negative integer, found {index!r}")
    digits = str(index)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[start:start + 3] for start in range(0, len(digits), 3)]
    return "/".join([f"x{group}" for group in groups[:-1]] + groups[-1:])


def tree_tiles(size: int) -> Iterator[Tile]:
    """Every tile of the tree of ``size`` leaves, level by level, left to right."""
    _check_size(size)
    level = 0
    while size >> (TILE_HEIGHT * level):
        hashes = size >> (TILE_HEIGHT * level)
        for index in range(hashes // TILE_WIDTH):
            yield Tile(level, index)
        if hashes % TILE_WIDTH:
            yield Tile(level, hashes // TILE_WIDTH, hashes % TILE_WIDTH)
        level += 1


def tile_of(level: int, index: int, size: int) -> Tile:
    """The tile of the tree of ``size`` leaves from which the hash at (level, index) is read."""
    _check_size(size)
    tile_level, first, count = _span(level, index)
    tile_index, offset = divmod(first, TILE_WIDTH)
    width = min(TILE_WIDTH, (size >> (TILE_HEIGHT * tile_level)) - tile_index * TILE_WIDTH)
    if width < offset + count:
        raise TileError(f"the subtree at level {level}, index {index} is not complete in a tree "
                        f"of size {size}")
    return Tile(tile_level, tile_index, width)


def inclusion_tiles(index: int, size: int) -> list[Tile]:
    """The tiles (at their widths for ``size``) an inclusion proof of leaf ``index`` reads."""
    return _tiles_for(inclusion_ranges(index, size), size)


def consistency_tiles(size1: int, size2: int) -> list[Tile]:
    """The tiles (at their widths for ``size2``) a consistency proof from ``size1`` reads."""
    return _tiles_for(consistency_ranges(size1, size2), size2)


def read_hash(tiles: Mapping[TileKey, bytes], level: int, index: int) -> bytes:
    """The hash at (level, index), recomputed from the one tile that holds its descendants."""
    tile_level, first, count = _span(level, index)
    tile_index, offset = divmod(first, TILE_WIDTH)
    data = tiles.get((tile_level, tile_index))
    if data is None or len(data) < (offset + count) * HASH_SIZE:
        needed = Tile(tile_level, tile_index, offset + count)
        found = "not stored" if data is None else f"{len(data) // HASH_SIZE} hashes wide"
        raise TileMissing(f"the hash at level {level}, index {index} is read from "
                          f"{needed.path} (at least {offset + count} hashes), which is {found}")
    hashes = [data[position * HASH_SIZE:(position + 1) * HASH_SIZE]
              for position in range(offset, offset + count)]
    while len(hashes) > 1:
        hashes = [node_hash(hashes[position], hashes[position + 1])
                  for position in range(0, len(hashes), 2)]
    return hashes[0]


def tile_source(tiles: Mapping[TileKey, bytes]) -> HashSource:
    """A :data:`policy_core.merkle_proofs.HashSource` answered from ``tiles``."""
    return lambda level, index: read_hash(tiles, level, index)


def store_nodes(tiles: MutableMapping[TileKey, bytes], nodes: Iterable[Node]) -> set[TileKey]:
    """Write the new complete subtrees a sequencer appended (as from
    :meth:`policy_core.merkle_frontier.Frontier.extend`) into ``tiles``; the keys of the tiles changed.

    Only hashes at Merkle levels that are multiples of 8 are stored. Each extends its tile at
    its position: a tile never has a gap, and a hash already stored is never replaced by a
    different one (that would be a fork of the log).
    """
    changed = set()
    for node in nodes:
        if node.level % TILE_HEIGHT:
            continue
        tile_index, offset = divmod(node.index, TILE_WIDTH)
        key = (node.level // TILE_HEIGHT, tile_index)
        data = tiles.get(key, b"")
        stored = len(data) // HASH_SIZE
        if offset < stored:
            if data[offset * HASH_SIZE:(offset + 1) * HASH_SIZE] != node.hash:
                raise TileError(f"{Tile(*key).path} already holds a different hash at position "
                                f"{offset}: the log would fork")
            continue
        if offset > stored:
            raise TileError(f"{Tile(*key).path} holds {stored} hashes; the hash for position "
                            f"{offset} would leave a gap")
        tiles[key] = data + node.hash
        changed.add(key)
    return changed


def _span(level: int, index: int) -> tuple[int, int, int]:
    """Tile level, index of the first hash at that tile level, and how many hashes there the
    node at (level, index) is computed from."""
    if type(level) is not int or not 0 <= level < TILE_HEIGHT * (MAX_TILE_LEVEL + 1):
        raise TileError(f"a Merkle level is an integer from 0 to "
                        f"{TILE_HEIGHT * (MAX_TILE_LEVEL + 1) - 1}, found {level!r}")
    if type(index) is not int or index < 0:
        raise TileError(f"a node index is a non-negative integer, found {index!r}")
    tile_level, rest = divmod(level, TILE_HEIGHT)
    return tile_level, index << rest, 1 << rest


def _tiles_for(ranges: list[tuple[int, int]], size: int) -> list[Tile]:
    return sorted({tile_of(level, index, size)
                   for start, end in ranges for level, index in range_nodes(start, end)})


def _check_size(size: int) -> None:
    if type(size) is not int or size < 0:
        raise TileError(f"a tree size is a non-negative integer, found {size!r}")
