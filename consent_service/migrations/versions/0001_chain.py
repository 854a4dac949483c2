"""The hash chain: consent records linked by ``prev_hash``, and the chain's head.

This is the schema the service had before the Merkle tree (its own schema version 3). A
database made by those versions has it already and is stamped with this revision instead.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "visitors",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
    )
    op.create_table(
        "consent_records",
        sa.Column("sequence", SEQUENCE, primary_key=True, autoincrement=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("visitor_id", sa.String(32), sa.ForeignKey("visitors.id"), nullable=True),
        sa.Column("recorded_at", sa.String(27), nullable=False),
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
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_consent_records_visitor", "consent_records", ["visitor_id", "sequence"])
    op.create_index("ux_consent_records_idempotency_key", "consent_records",
                    ["idempotency_key_sha256"], unique=True)
    op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("sequence", SEQUENCE, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.execute(sa.text("INSERT INTO chain_head (id, sequence, hash) VALUES (1, 0, :genesis)")
               .bindparams(genesis="0" * 64))


def downgrade() -> None:
    op.drop_table("chain_head")
    op.drop_table("consent_records")
    op.drop_table("visitors")
