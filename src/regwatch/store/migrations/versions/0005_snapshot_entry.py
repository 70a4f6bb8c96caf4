"""Every list source's last accepted snapshot (``snapshot_entry``), replacing ``csl_entry``.

The CSL was the only source that diffed whole lists; the eCFR, OFAC, the UN and other lists do
the same, so the table gains a ``source`` column and the CSL's rows move over unchanged.

Revision ID: 0005_snapshot_entry
Revises: 0004_matching
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from regwatch.store._schema import UTCDateTime

revision = "0005_snapshot_entry"
down_revision = "0004_matching"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "snapshot_entry",
        sa.Column("source", sa.String, primary_key=True),
        sa.Column("key", sa.String, primary_key=True),
        sa.Column("list_code", sa.String, nullable=False),
        sa.Column("fingerprint", sa.String, nullable=False),
        sa.Column("entry", _JSON, nullable=False),
        sa.Column("payload_id", sa.Integer, sa.ForeignKey("payload.id"), nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_snapshot_entry_list_code", "snapshot_entry", ["list_code"])
    op.execute(
        "INSERT INTO snapshot_entry "
        "(source, key, list_code, fingerprint, entry, payload_id, updated_at) "
        "SELECT 'csl', key, list_code, fingerprint, entry, payload_id, updated_at FROM csl_entry"
    )
    op.drop_index("ix_csl_entry_list_code", "csl_entry")
    op.drop_table("csl_entry")


def downgrade() -> None:
    op.create_table(
        "csl_entry",
        sa.Column("key", sa.String, primary_key=True),
        sa.Column("list_code", sa.String, nullable=False),
        sa.Column("fingerprint", sa.String, nullable=False),
        sa.Column("entry", _JSON, nullable=False),
        sa.Column("payload_id", sa.Integer, sa.ForeignKey("payload.id"), nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_csl_entry_list_code", "csl_entry", ["list_code"])
    op.execute(
        "INSERT INTO csl_entry (key, list_code, fingerprint, entry, payload_id, updated_at) "
        "SELECT key, list_code, fingerprint, entry, payload_id, updated_at FROM snapshot_entry "
        "WHERE source = 'csl'"
    )
    op.drop_index("ix_snapshot_entry_list_code", "snapshot_entry")
    op.drop_table("snapshot_entry")
