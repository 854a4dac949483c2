"""The tree's hashes are stored as C2SP tlog-tiles, and proofs are answered from them.

The examples are those of https://c2sp.org/tlog-tiles; the tiles themselves are checked against
the spec's definition (tile n at level l holds MTH(D[(n*256+i)*256**l : (n*256+i+1)*256**l])).
"""

from __future__ import annotations

import hashlib
import random

import pytest

from policy_core.merkle import leaf_hash
from policy_core.merkle_frontier import Frontier, tree_hash
from policy_core.merkle_proofs import consistency_proof, inclusion_proof
from policy_core.tiles import (
    TILE_WIDTH,
    Tile,
    TileError,
    TileMissing,
    consistency_tiles,
    encode_index,
    inclusion_tiles,
    read_hash,
    store_nodes,
    tile_of,
    tile_source,
    tree_tiles,
)

SIZE = 70_000


@pytest.fixture(scope="module")
def log() -> dict:
    """A log of 70,000 leaves appended in uneven batches, its tiles and every complete subtree."""
    leaves = [leaf_hash(hashlib.sha256(b"record %d" % i).digest()) for i in range(SIZE)]
    frontier, tiles, nodes = Frontier(), {}, {}
    rng = random.Random(6962)
    while frontier.size < SIZE:
        created = frontier.extend(leaves[frontier.size:frontier.size + rng.randint(1, 3000)])
        store_nodes(tiles, created)
        nodes.update({(n.level, n.index): n.hash for n in created})
    return {"leaves": leaves, "tiles": tiles, "nodes": nodes}


def truncated(tiles: dict, needed: list[Tile]) -> dict:
    """Only the ``needed`` tiles, each cut to the width it has in that tree."""
    return {tile.key: tiles[tile.key][:tile.width * 32] for tile in needed}


# Addressing

def test_a_tile_index_is_written_in_3_digit_groups_all_but_the_last_prefixed_with_x() -> None:
    assert encode_index(1234067) == "x001/x234/067"
    assert encode_index(0) == "000"
    assert encode_index(999) == "999"
    assert encode_index(1000) == "x001/000"


def test_a_tile_path_names_its_level_index_and_for_a_partial_tile_its_width() -> None:
    assert Tile(0, 1234067).path == "tile/0/x001/x234/067"
    assert Tile(1, 273, 17).path == "tile/1/273.p/17"
    assert Tile(63, 0, 1).path == "tile/63/000.p/1"


@pytest.mark.parametrize("path", ["tile/0/x001/x234/067", "tile/1/273.p/17", "tile/2/000.p/1",
                                  "tile/63/x999/999.p/255"])
def test_a_tile_path_reads_back_as_the_tile_it_names(path: str) -> None:
    assert Tile.parse(path).path == path


@pytest.mark.parametrize("path", [
    "tile/00/000", "tile/64/000", "tile/0/1", "tile/0/0001", "tile/0/001/002", "tile/0/x000/001",
    "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/017", "tile/0/000.p/", "tile/entries/000",
    "/tile/0/000", "tile/0/000/", "tile/-1/000", "tile/0/x1/000",
])
def test_any_other_spelling_of_a_tile_path_is_refused(path: str) -> None:
    with pytest.raises(TileError):
        Tile.parse(path)


def test_the_tiles_of_a_tree_of_70000_leaves_are_those_the_spec_lists() -> None:
    tiles = list(tree_tiles(SIZE))
    assert sum(1 for t in tiles if t.level == 0 and not t.is_partial) == 273
    assert [t for t in tiles if t.is_partial] == [Tile(0, 273, 112), Tile(1, 1, 17), Tile(2, 0, 1)]
    assert [t for t in tiles if t.level == 1 and not t.is_partial] == [Tile(1, 0)]
    assert len(tiles) == 273 + 1 + 1 + 1 + 1


def test_a_tree_of_256_leaves_has_one_full_tile_and_a_partial_one_above_it() -> None:
    assert list(tree_tiles(256)) == [Tile(0, 0), Tile(1, 0, 1)]
    assert list(tree_tiles(0)) == []


# The stored tiles

def test_appending_in_batches_stores_exactly_the_tiles_of_the_tree(log: dict) -> None:
    assert {(key, len(data) // 32) for key, data in log["tiles"].items()} == {
        (tile.key, tile.width) for tile in tree_tiles(SIZE)}


def test_each_stored_hash_is_the_mth_the_spec_defines_for_its_place(log: dict) -> None:
    leaves, tiles = log["leaves"], log["tiles"]

    def mth(level: int, index: int, position: int) -> bytes:
        start = (index * TILE_WIDTH + position) * TILE_WIDTH ** level
        return tree_hash(leaves[start:start + TILE_WIDTH ** level])

    for level, index, position in [(0, 0, 0), (0, 273, 111), (1, 0, 0), (1, 0, 255), (1, 1, 16),
                                   (2, 0, 0)]:
        data = tiles[level, index]
        assert data[position * 32:(position + 1) * 32] == mth(level, index, position)


def test_every_hash_a_proof_may_ask_for_is_read_from_the_tiles(log: dict) -> None:
    rng = random.Random(1)
    sample = rng.sample(sorted(log["nodes"]), 2000) + [(16, 0), (15, 1), (4, 4374), (8, 272)]
    for level, index in sample:
        assert read_hash(log["tiles"], level, index) == log["nodes"][level, index], (level, index)


def test_proofs_from_tiles_are_the_proofs_from_the_leaves(log: dict) -> None:
    rng = random.Random(2)
    from_tiles = tile_source(log["tiles"])

    def from_nodes(level: int, index: int) -> bytes:
        return log["nodes"][level, index]

    for _ in range(300):
        size = rng.randint(1, SIZE)
        index = rng.randrange(size)
        first = rng.randint(1, size)
        assert inclusion_proof(index, size, from_tiles) == inclusion_proof(index, size, from_nodes)
        assert consistency_proof(first, size, from_tiles) == consistency_proof(first, size, from_nodes)


@pytest.mark.parametrize(("index", "size"), [(0, 1), (5, 300), (69_999, SIZE), (12_345, 65_537),
                                             (256, 257), (65_535, 65_536)])
def test_an_inclusion_proof_needs_exactly_the_tiles_named_for_it(log: dict, index: int, size: int) -> None:
    needed = inclusion_tiles(index, size)
    expected = inclusion_proof(index, size, tile_source(log["tiles"]))
    assert inclusion_proof(index, size, tile_source(truncated(log["tiles"], needed))) == expected
    for missing in needed:
        with pytest.raises(TileMissing):
            inclusion_proof(index, size, tile_source(truncated(log["tiles"],
                                                               [t for t in needed if t != missing])))


@pytest.mark.parametrize(("first", "size"), [(1, 2), (255, 257), (1000, SIZE), (65_536, 65_537),
                                             (300, 300)])
def test_a_consistency_proof_needs_exactly_the_tiles_named_for_it(log: dict, first: int, size: int) -> None:
    needed = consistency_tiles(first, size)
    expected = consistency_proof(first, size, tile_source(log["tiles"]))
    assert consistency_proof(first, size, tile_source(truncated(log["tiles"], needed))) == expected
    for missing in needed:
        with pytest.raises(TileMissing):
            consistency_proof(first, size, tile_source(truncated(log["tiles"],
                                                                 [t for t in needed if t != missing])))


def test_the_tiles_a_proof_needs_have_their_widths_at_that_tree_size() -> None:
    assert [t.path for t in inclusion_tiles(12_345, 65_537)] == [
        "tile/0/048", "tile/0/256.p/1", "tile/1/000"]
    assert [t.path for t in inclusion_tiles(69_999, SIZE)] == [
        "tile/0/273.p/112", "tile/1/001.p/17", "tile/2/000.p/1"]
    assert [t.path for t in consistency_tiles(1000, SIZE)] == [
        "tile/0/003", "tile/0/273.p/112", "tile/1/000", "tile/1/001.p/17"]


def test_a_tile_that_is_missing_or_too_narrow_is_named(log: dict) -> None:
    narrow = {(0, 0): log["tiles"][0, 0][:3 * 32]}
    with pytest.raises(TileMissing, match=r"level 2, index 1 is read from tile/0/000.p/8 \(at least 8 "
                                          r"hashes\), which is 3 hashes wide"):
        read_hash(narrow, 2, 1)
    with pytest.raises(TileMissing, match="tile/1/000.p/1 .* which is not stored"):
        read_hash(narrow, 8, 0)


def test_a_node_that_is_not_complete_in_the_tree_has_no_tile() -> None:
    assert tile_of(3, 1, 16) == Tile(0, 0, 16)
    with pytest.raises(TileError, match="not complete in a tree of size 15"):
        tile_of(3, 1, 15)


# Writing tiles

def test_storing_a_hash_never_leaves_a_gap_or_replaces_a_different_one(log: dict) -> None:
    frontier = Frontier()
    created = frontier.extend(log["leaves"][:3])
    tiles: dict = {}
    assert store_nodes(tiles, created) == {(0, 0)}
    assert store_nodes(tiles, created) == set(), "storing the same hashes again changes nothing"
    with pytest.raises(TileError, match="tile/0/000 holds 3 hashes; the hash for position 5 would "
                                        "leave a gap"):
        store_nodes(tiles, [created[0]._replace(index=5)])
    with pytest.raises(TileError, match="already holds a different hash at position 1: the log "
                                        "would fork"):
        store_nodes(tiles, [created[0]._replace(index=1)])
