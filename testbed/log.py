"""Consent log exports built with the pure core, as the service exports them, and a forger's tools.

A :class:`Log` holds records in leaf order (sealed: ``hash`` and ``leaf_index`` added) and signs
checkpoints of any of its sizes with its own key, so tests need no running service.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from policy_core.chain import GENESIS_HASH
from policy_core.checkpoint import Checkpoint, sign_checkpoint
from policy_core.hashing import canonical_json
from policy_core.log_audit import LogReport, audit_export
from policy_core.log_record import new_salt, purged_record, record_hash, record_leaf_hash
from policy_core.merkle_frontier import tree_hash
from policy_core.note_keys import Signer
from testbed.choice import policy_ref

ORIGIN = "consent.example.se/log"
POLICY = {"version": "2026-11-01", "language": "sv", "sha256": "5" * 64, "text_sha256": "6" * 64}
INVENTORY = "7" * 64


def choice(number: int, *, policy: dict[str, str] | None = None, inventory: str = INVENTORY,
           action: str = "accept_all", recorded_at: str = "2026-11-26T09:30:00.000000Z") -> dict:
    """A choice as the service records it for the tree (salted, no sequence), not yet hashed."""
    return {"type": "consent", "id": f"00000000-0000-4000-8000-{number:012d}",
            "visitor": f"{number:032x}", "recorded_at": recorded_at, "action": action,
            "categories": {"necessary": True, "statistics": action != "reject_all"},
            "policy": dict(policy or POLICY), "inventory": inventory, "source": "banner",
            "salt": new_salt()}


def chain_records(count: int, *, policy: dict[str, str] | None = None, inventory: str = INVENTORY
                  ) -> list[dict]:
    """Records made by the hash chain before the tree existed (sequence, prev_hash, hash)."""
    records, previous = [], GENESIS_HASH
    for sequence in range(1, count + 1):
        record = {"type": "consent", "id": f"chain-{sequence}", "sequence": sequence,
                  "visitor": f"{sequence:032x}", "recorded_at": "2026-11-02T08:00:00.000000Z",
                  "action": "reject_all", "categories": {"necessary": True, "statistics": False},
                  "policy": dict(policy or POLICY), "inventory": inventory, "source": "banner",
                  "prev_hash": previous}
        record["hash"] = previous = record_hash(record)
        records.append(record)
    return records


def sealed(record: dict, leaf_index: int | None) -> dict:
    """``record`` with its hash and leaf index, as exported."""
    hashed = {key: value for key, value in record.items() if key not in ("hash", "leaf_index")}
    return {**hashed, "hash": record_hash(hashed), "leaf_index": leaf_index}


def rehashed(record: dict, **changes: Any) -> dict:
    """A forger's edit made consistent: ``record`` with ``changes``, its hash recomputed."""
    changed = {**record, **changes}
    return {**changed, "hash": record_hash(changed)}


def reindexed(records: Iterable[dict]) -> list[dict]:
    """A forger's deletion, insertion or reordering made consistent: leaves renumbered 0, 1, …"""
    return [{**record, "leaf_index": index} for index, record in enumerate(records)]


def purged(record: dict) -> dict:
    """What the retention purge leaves of an exported record."""
    return purged_record(record["leaf_index"], record["hash"])


class Log:
    """A log's records in leaf order and its key; checkpoints of its prefixes on demand."""

    def __init__(self, records: Iterable[dict], pending: Iterable[dict] = (),
                 signer: Signer | None = None) -> None:
        self.records = [sealed(record, index) for index, record in enumerate(records)]
        self.pending = [sealed(record, None) for record in pending]
        self.signer = signer or Signer.generate(ORIGIN)

    @classmethod
    def of_choices(cls, count: int, **choice_fields: Any) -> Log:
        return cls(choice(number, **choice_fields) for number in range(count))

    @property
    def vkey(self) -> str:
        return self.signer.verifier.vkey

    def exported(self) -> list[dict]:
        """Deep copies of the export's records, for a test to tamper with."""
        return copy.deepcopy(self.records + self.pending)

    def checkpoint(self, size: int, records: list[dict] | None = None) -> str:
        """The signed checkpoint of the first ``size`` leaves (of ``records``, by default the log's)."""
        leaves = [record_leaf_hash(record["hash"]) for record in (records or self.records)[:size]]
        return sign_checkpoint(Checkpoint(ORIGIN, size, tree_hash(leaves)), self.signer)

    def root(self, size: int) -> bytes:
        return tree_hash(record_leaf_hash(record["hash"]) for record in self.records[:size])


def write_export(path: Path, records: Iterable[dict]) -> Path:
    """``records`` as the service's NDJSON export: one canonical JSON object per line."""
    path.write_bytes(b"".join(canonical_json(record) + b"\n" for record in records))
    return path


def read_export_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def audit_file(folder: Path, records: Iterable[dict], **options: Any) -> LogReport:
    """``audit_export`` of the records written as an export in ``folder``."""
    return audit_export(write_export(folder / "export.ndjson", records), **options)


ACTIONS = ("accept_all", "reject_all", "custom", "withdraw")


def site_choice(current: dict, number: int) -> dict:
    """Choice ``number`` made on the version ``current`` (a versions.json entry): the actions in
    turn, Swedish and English alternately."""
    return choice(number, action=ACTIONS[number % 4], inventory=current["inventory"]["sha256"],
                  recorded_at=f"2026-11-2{number % 10}T10:00:00.000000Z",
                  policy=policy_ref(current, ("sv", "en")[number % 2]))


ODD_VALUES = [None, True, 0, -1, "", "x" * 1000, [], {}, [1, "a"], {"a": None}]
"""A value of each JSON type, empty and odd ones among them, for fields that expect none of them:
what a verifier must answer with a message, never a traceback."""
