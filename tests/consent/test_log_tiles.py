"""Proofs are read from a few tiles, and reading them costs the same however many tiles the log
holds: every read is a search of the tiles' primary key, never a walk over the table; a
visitor's log reads the tiles of all its proofs at once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event, insert

from consent_service.log_tree import read_tiles
from consent_service.records import log_tiles
from consent_service.storage import Storage

WANTED = [(0, 5), (0, 70), (1, 0), (2, 0)]


def stored_tiles(path: Path, level_0_tiles: int) -> Storage:
    """A SQLite log holding ``level_0_tiles`` full tiles of leaf hashes and the upper tiles."""
    storage = Storage(f"sqlite:///{path}")
    storage.init_schema()
    rows = [{"level": 0, "tile_index": index, "hashes": index.to_bytes(4, "big") * 2048}
            for index in range(level_0_tiles)]
    rows += [{"level": 1, "tile_index": 0, "hashes": b"\x01" * 8192},
             {"level": 2, "tile_index": 0, "hashes": b"\x02" * 32}]
    with storage.engine.begin() as conn:
        conn.execute(insert(log_tiles), rows)
    return storage


def steps_to_read(storage: Storage, keys: list[tuple[int, int]]) -> tuple[int, dict]:
    """The SQLite virtual machine's instructions that reading ``keys`` takes, and what it read."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    with storage.engine.connect() as conn:
        sqlite = conn.connection.driver_connection
        sqlite.set_progress_handler(count, 1)
        try:
            tiles = read_tiles(conn, keys)
        finally:
            sqlite.set_progress_handler(None, 1)
    return steps, tiles


def test_reading_a_proofs_tiles_costs_the_same_at_ten_thousand_tiles_as_at_a_hundred(tmp_path):
    small = stored_tiles(tmp_path / "small.sqlite3", 100)
    large = stored_tiles(tmp_path / "large.sqlite3", 10_000)
    try:
        steps_small, tiles_small = steps_to_read(small, WANTED)
        steps_large, tiles_large = steps_to_read(large, WANTED)
    finally:
        small.dispose()
        large.dispose()
    assert sorted(tiles_small) == sorted(tiles_large) == sorted(WANTED)
    assert tiles_large[(0, 70)] == (70).to_bytes(4, "big") * 2048
    assert steps_large < 1.5 * steps_small, (steps_small, steps_large)


def test_tiles_not_stored_are_left_out(tmp_path):
    storage = stored_tiles(tmp_path / "log.sqlite3", 3)
    try:
        _, tiles = steps_to_read(storage, [(0, 2), (0, 3), (1, 0), (1, 1), (5, 0)])
    finally:
        storage.dispose()
    assert sorted(tiles) == [(0, 2), (1, 0)]


def test_a_visitors_log_reads_the_tiles_of_all_its_proofs_at_once(client, storage, make_body):
    for _ in range(4):
        assert client.post("/api/v1/consents", json=make_body("accept_all")).status_code == 201
    storage.integrate_all()
    visitor = client.get("/api/v1/me/consents").get_json()["visitor"]
    tile_reads = []

    def watch(_conn, _cursor, statement, *_rest):
        if "FROM log_tiles" in statement:
            tile_reads.append(statement)

    event.listen(storage.engine, "before_cursor_execute", watch)
    try:
        records, _checkpoint = storage.records_for_visitor(visitor)
    finally:
        event.remove(storage.engine, "before_cursor_execute", watch)
    assert len(records) == 4 and all(record["proof"] for record in records)
    assert len(tile_reads) == 1
