"""Channels besides e-mail, severity settings and unsubscribing.

A recipient row is now one destination of a person: e-mail (as before), a webhook or a chat
service, each with its own cadence.  ``info`` says what the person's digests do with *info*
items; ``unsubscribe_token`` is the secret of the one-click unsubscribe link and
``unsubscribed_at`` records that it was used (an import never re-subscribes).

Revision ID: 0007_channels
Revises: 0006_api_audit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from regwatch.store._schema import JSONType, UTCDateTime

revision = "0007_channels"
down_revision = "0006_api_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recipient") as batch:
        batch.add_column(sa.Column("info", sa.String, nullable=False, server_default="full"))
        batch.add_column(sa.Column("channel", sa.String, nullable=False, server_default="email"))
        batch.add_column(sa.Column("target", sa.String, nullable=False, server_default=""))
        batch.add_column(sa.Column("options", JSONType, nullable=True))
        batch.add_column(sa.Column("unsubscribe_token", sa.String, nullable=True))
        batch.add_column(sa.Column("unsubscribed_at", UTCDateTime, nullable=True))
        batch.drop_constraint("uq_recipient_company_email", type_="unique")
        batch.create_unique_constraint(
            "uq_recipient_destination", ["company_id", "email", "channel", "target"]
        )
        batch.create_index("ix_recipient_unsubscribe_token", ["unsubscribe_token"])
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("channel", sa.String, nullable=False, server_default="email"))


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("channel")
    with op.batch_alter_table("recipient") as batch:
        batch.drop_index("ix_recipient_unsubscribe_token")
        batch.drop_constraint("uq_recipient_destination", type_="unique")
        batch.create_unique_constraint("uq_recipient_company_email", ["company_id", "email"])
        for column in ("unsubscribed_at", "unsubscribe_token", "options", "target", "channel"):
            batch.drop_column(column)
        batch.drop_column("info")
