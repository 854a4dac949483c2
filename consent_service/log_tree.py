"""The Merkle tree in the database: its tiles, its signed checkpoints, and proofs read from them.

Tiles are C2SP tlog-tiles (:mod:`policy_core.tiles`), one row per tile; the rightmost tiles
grow in place as the tree does, and since a tile only ever grows, the row read for any earlier
tree size holds every hash that size needs. Proofs are computed by
:mod:`policy_core.merkle_proofs` from the few tiles they touch, fetched in one query, so a
lookup costs the same at a thousand records as at a million.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update

from policy_core.merkle import HASH_SIZE
from policy_core.merkle_frontier import Frontier
from policy_core.merkle_proofs import consistency_proof, inclusion_proof, range_nodes
from policy_core.tiles import (
    TILE_WIDTH,
    Tile,
    TileKey,
    consistency_tiles,
    inclusion_tiles,
    tile_of,
    tile_source,
)

from .errors import ConsentServiceError
from .records import log_checkpoints, log_tiles


class SizeOutOfRange(ConsentServiceError):
    """A tree size the log cannot prove anything about; ``field`` names the parameter."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class StoredCheckpoint:
    tree_size: int
    root_hash: str
    note: str
    created_at: str


def read_tiles(conn: Connection, tiles: Iterable[Tile | TileKey]) -> dict[TileKey, bytes]:
    """The stored bytes of ``tiles``, by (level, index); tiles not stored are left out.

    One condition per level, ``level = L AND tile_index IN (…)``, each a search of the primary
    key: SQLite reads a row-value list, ``(level, tile_index) IN ((…), …)``, by scanning the
    whole table, a millisecond per read at a million leaves."""
    indexes: dict[int, list[int]] = {}
    for level, index in sorted({tile.key if isinstance(tile, Tile) else tile for tile in tiles}):
        indexes.setdefault(level, []).append(index)
    if not indexes:
        return {}
    rows = conn.execute(
        select(log_tiles.c.level, log_tiles.c.tile_index, log_tiles.c.hashes)
        .where(or_(*(and_(log_tiles.c.level == level, log_tiles.c.tile_index.in_(in_level))
                     for level, in_level in indexes.items())))
    )
    return {(row.level, row.tile_index): bytes(row.hashes) for row in rows}


def write_tiles(conn: Connection, tiles: Mapping[TileKey, bytes], changed: Iterable[TileKey],
                stored: Iterable[TileKey]) -> None:
    """Store the ``changed`` tiles: update those already ``stored``, insert the others."""
    stored = set(stored)
    updates, inserts = [], []
    for level, index in sorted(changed):
        row = {"l": level, "t": index, "h": tiles[(level, index)]}
        (updates if (level, index) in stored else inserts).append(row)
    if inserts:
        conn.execute(insert(log_tiles), [{"level": r["l"], "tile_index": r["t"], "hashes": r["h"]}
                                         for r in inserts])
    if updates:
        conn.execute(_UPDATE_TILE, updates)


class LeafReader:
    """The stored leaf hashes in index order, one level-0 tile read at a time: what ``verify``
    compares each record with as it walks the tree."""

    def __init__(self, conn: Connection, size: int) -> None:
        self._conn = conn
        self._size = size
        self._tile: tuple[int, bytes] | None = None

    def __call__(self, index: int) -> bytes | None:
        if not 0 <= index < self._size:
            return None
        tile_index, offset = divmod(index, TILE_WIDTH)
        if self._tile is None or self._tile[0] != tile_index:
            self._tile = (tile_index, read_tiles(self._conn, [(0, tile_index)]).get((0, tile_index), b""))
        data = self._tile[1][offset * HASH_SIZE:(offset + 1) * HASH_SIZE]
        return data or None


def frontier(conn: Connection, size: int) -> Frontier:
    """The tree's frontier at ``size``, read from the tiles that hold its perfect subtrees."""
    nodes = range_nodes(0, size) if size else []
    tiles = read_tiles(conn, (tile_of(level, index, size) for level, index in nodes))
    return Frontier.from_source(size, tile_source(tiles))


def inclusions(conn: Connection, leaf_indexes: Sequence[int], size: int) -> list[list[bytes]]:
    """The inclusion proofs of leaves ``leaf_indexes`` in the tree of ``size`` leaves, from one
    read of every tile they need (a visitor's log proves all its records at once)."""
    if not leaf_indexes:
        return []
    tiles = read_tiles(conn, [tile for index in leaf_indexes for tile in inclusion_tiles(index, size)])
    source = tile_source(tiles)
    return [inclusion_proof(index, size, source) for index in leaf_indexes]


def consistency(conn: Connection, first: int, second: int) -> list[bytes]:
    """The consistency proof from tree size ``first`` to ``second``."""
    tiles = read_tiles(conn, consistency_tiles(first, second))
    return consistency_proof(first, second, tile_source(tiles))


def latest_checkpoint(conn: Connection) -> StoredCheckpoint | None:
    row = conn.execute(
        select(log_checkpoints).order_by(log_checkpoints.c.tree_size.desc()).limit(1)
    ).first()
    return None if row is None else _checkpoint(row)


def checkpoint_at(conn: Connection, size: int) -> StoredCheckpoint | None:
    row = conn.execute(select(log_checkpoints).where(log_checkpoints.c.tree_size == size)).first()
    return None if row is None else _checkpoint(row)


def _checkpoint(row: object) -> StoredCheckpoint:
    return StoredCheckpoint(row.tree_size, row.root_hash, row.note, row.created_at)  # type: ignore[attr-defined]


_UPDATE_TILE = (
    update(log_tiles)
    .where(log_tiles.c.level == bindparam("l"), log_tiles.c.tile_index == bindparam("t"))
    .values(hashes=bindparam("h"))
)
