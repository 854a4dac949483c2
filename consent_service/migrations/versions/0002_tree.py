"""The Merkle tree: records become leaves, integrated by the sequencer; tiles, checkpoints,
the sequencer's lease, and a note of each purge run.

The chain's records are kept word for word (their ``sequence`` and ``prev_hash`` are part of
what they hash) and queued in chain order, so the first batch the sequencer integrates makes
them the tree's first leaves, in order: ``init-db`` runs that batch and verifies the tree.

Rollback: this revision does not go back (records made in the tree have no place in a
chain). Take a backup before upgrading (``flask consent backup`` or ``pg_dump``) and restore it
to return to a service version with the chain.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COUNT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
CONTENT = ("id", "type", "visitor_id", "recorded_at", "action", "categories", "policy_version",
           "policy_language", "policy_sha256", "policy_text_sha256", "inventory_sha256", "source",
           "purged", "idempotency_key_sha256", "sequence", "prev_hash", "hash")
LATER = ("site",)
"""Columns a chain database has only if the service that made it was recent enough."""


def upgrade() -> None:
    op.create_table(
        "consent_records_tree",
        sa.Column("row_id", COUNT, primary_key=True, autoincrement=True),
        sa.Column("leaf_index", COUNT),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("id", sa.String(36)),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("salt", sa.String(32)),
        sa.Column("visitor_id", sa.String(32), sa.ForeignKey("visitors.id"), nullable=True),
        sa.Column("recorded_at", sa.String(27)),
        sa.Column("action", sa.String(16)),
        sa.Column("categories", sa.Text),
        sa.Column("policy_version", sa.String(10)),
        sa.Column("policy_language", sa.String(8)),
        sa.Column("policy_sha256", sa.String(64)),
        sa.Column("policy_text_sha256", sa.String(64)),
        sa.Column("inventory_sha256", sa.String(64)),
        sa.Column("source", sa.String(16)),
        sa.Column("purged", sa.Text),
        sa.Column("idempotency_key_sha256", sa.String(64)),
        sa.Column("site", sa.Text),
        sa.Column("sequence", COUNT),
        sa.Column("prev_hash", sa.String(64)),
    )
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("consent_records")}
    columns = ", ".join(CONTENT + tuple(name for name in LATER if name in present))
    op.execute(f"INSERT INTO consent_records_tree (row_id, {columns}) "
               f"SELECT sequence, {columns} FROM consent_records ORDER BY sequence")
    op.drop_table("consent_records")
    op.drop_table("chain_head")
    op.rename_table("consent_records_tree", "consent_records")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('consent_records', 'row_id'), "
                   "COALESCE(MAX(row_id), 0) + 1, false) FROM consent_records")
    op.create_index("ux_consent_records_leaf", "consent_records", ["leaf_index"], unique=True)
    op.create_index("ix_consent_records_visitor", "consent_records", ["visitor_id", "row_id"])
    op.create_index("ux_consent_records_idempotency_key", "consent_records",
                    ["idempotency_key_sha256"], unique=True)
    op.create_index("ix_consent_records_pending", "consent_records", ["row_id"],
                    sqlite_where=sa.text("leaf_index IS NULL"),
                    postgresql_where=sa.text("leaf_index IS NULL"))
    op.create_table(
        "log_tiles",
        sa.Column("level", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("tile_index", COUNT, primary_key=True, autoincrement=False),
        sa.Column("hashes", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "log_checkpoints",
        sa.Column("tree_size", COUNT, primary_key=True, autoincrement=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
    )
    op.create_table(
        "log_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("tree_size", COUNT, nullable=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("lease_holder", sa.String(64)),
        sa.Column("lease_expires", sa.Float),
        sa.Column("integrated_at", sa.String(27)),
    )
    op.execute(sa.text("INSERT INTO log_state (id, tree_size, root_hash) VALUES (1, 0, :root)")
               .bindparams(root=EMPTY_ROOT))
    if "purge_runs" not in sa.inspect(op.get_bind()).get_table_names():
        op.create_table(
            "purge_runs",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("ran_at", sa.String(27), nullable=False),
            sa.Column("cutoff", sa.String(27), nullable=False),
            sa.Column("deleted", sa.Integer, nullable=False),
            sa.Column("visitors_deleted", sa.Integer, nullable=False),
        )


def downgrade() -> None:
    raise RuntimeError(
        "the Merkle tree cannot be turned back into a hash chain: restore the backup taken "
        "before the upgrade (see the README, Upgrading the consent database)"
    )
