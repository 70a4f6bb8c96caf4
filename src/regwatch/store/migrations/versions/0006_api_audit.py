"""The audit trail, API tokens and four-eyes review (``regwatch serve``).

Revision ID: 0006_api_audit
Revises: 0005_snapshot_entry
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from regwatch.store._schema import JSONType, UTCDateTime

revision = "0006_api_audit"
down_revision = "0005_snapshot_entry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String, nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("subject", sa.String, nullable=False),
        sa.Column("company_id", sa.Integer),
        sa.Column("before", JSONType),
        sa.Column("after", JSONType),
        sa.Column("reason", sa.String),
        sa.Column("context", JSONType),
        sa.Column("prev_hash", sa.String, nullable=False),
        sa.Column("hash", sa.String, nullable=False, unique=True),
    )
    op.create_index("ix_audit_entry_action", "audit_entry", ["action"])
    op.create_index("ix_audit_entry_subject", "audit_entry", ["subject"])
    op.create_index("ix_audit_entry_company_id", "audit_entry", ["company_id"])
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("token_hash", sa.String, nullable=False, unique=True),
        sa.Column("hint", sa.String, nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("company.id")),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String, nullable=False),
        sa.Column("revoked_at", UTCDateTime),
        sa.Column("revoked_by", sa.String),
    )
    op.create_table(
        "review_policy",
        sa.Column("company_id", sa.Integer, sa.ForeignKey("company.id"), primary_key=True),
        sa.Column("four_eyes", sa.Boolean, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "dismissal_request",
        sa.Column("match_id", sa.Integer, sa.ForeignKey("match.id"), primary_key=True),
        sa.Column("requested_by", sa.String, nullable=False),
        sa.Column("note", sa.String),
        sa.Column("requested_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dismissal_request")
    op.drop_table("review_policy")
    op.drop_table("api_token")
    op.drop_index("ix_audit_entry_company_id", "audit_entry")
    op.drop_index("ix_audit_entry_subject", "audit_entry")
    op.drop_index("ix_audit_entry_action", "audit_entry")
    op.drop_table("audit_entry")
