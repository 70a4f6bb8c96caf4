"""The digest outbox: deliveries and the matches each one carries.

Revision ID: 0003_digest
Revises: 0002_entities
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from regwatch.store._schema import UTCDateTime

revision = "0003_digest"
down_revision = "0002_entities"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("recipient_id", sa.Integer, sa.ForeignKey("recipient.id"), nullable=False),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("company.id"), nullable=False),
        sa.Column("email", sa.String, nullable=False),
        sa.Column("period", sa.String, nullable=False),
        sa.Column("scheduled_for", UTCDateTime, nullable=False),
        sa.Column("status", sa.String, nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.String),
        sa.Column("message_id", sa.String, nullable=False),
        sa.Column("subject", sa.String),
        sa.Column("match_count", sa.Integer, nullable=False),
        sa.Column("transport", sa.String),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("last_attempt_at", UTCDateTime),
        sa.Column("next_attempt_at", UTCDateTime),
        sa.Column("sent_at", UTCDateTime),
        sa.UniqueConstraint("recipient_id", "period", name="uq_delivery_recipient_period"),
    )
    op.create_index("ix_delivery_recipient_id", "delivery", ["recipient_id"])
    op.create_index("ix_delivery_company_id", "delivery", ["company_id"])
    op.create_index("ix_delivery_status_next", "delivery", ["status", "next_attempt_at"])
    op.create_table(
        "delivery_match",
        sa.Column("delivery_id", sa.Integer, sa.ForeignKey("delivery.id"), primary_key=True),
        sa.Column("match_id", sa.Integer, sa.ForeignKey("match.id"), primary_key=True),
        sa.Column("recipient_id", sa.Integer, sa.ForeignKey("recipient.id"), nullable=False),
        sa.Column("shown", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.UniqueConstraint("recipient_id", "match_id", name="uq_delivery_match_recipient_match"),
    )
    op.create_index("ix_delivery_match_match_id", "delivery_match", ["match_id"])


def downgrade() -> None:
    op.drop_table("delivery_match")
    op.drop_table("delivery")
