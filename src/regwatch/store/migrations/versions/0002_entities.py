"""The Consolidated Screening List's last accepted snapshot, entry by entry (``csl_entry``).

Each row is one party of a watched list with the key regwatch gave it, so that the next snapshot
is diffed against exactly what the last one said (``listed_entity`` also holds what Federal
Register rules said since, which a lagging snapshot must not undo).

Revision ID: 0002_entities
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from regwatch.store._schema import JSONType, UTCDateTime

revision = "0002_entities"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "csl_entry",
        sa.Column("key", sa.String, primary_key=True),
        sa.Column("list_code", sa.String, nullable=False),
        sa.Column("fingerprint", sa.String, nullable=False),
        sa.Column("entry", JSONType, nullable=False),
        sa.Column("payload_id", sa.Integer, sa.ForeignKey("payload.id")),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_csl_entry_list_code", "csl_entry", ["list_code"])


def downgrade() -> None:
    op.drop_table("csl_entry")
