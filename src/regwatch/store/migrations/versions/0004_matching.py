"""The differ's bookkeeping: which events have been matched (``matched_event``).

Revision ID: 0004_matching
Revises: 0003_digest
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from regwatch.store._schema import UTCDateTime

revision = "0004_matching"
down_revision = "0003_digest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "matched_event",
        sa.Column("event_id", sa.Integer, sa.ForeignKey("event.id"), primary_key=True),
        sa.Column("matched_at", UTCDateTime, nullable=False),
        sa.Column("matcher_version", sa.String, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("matched_event")
