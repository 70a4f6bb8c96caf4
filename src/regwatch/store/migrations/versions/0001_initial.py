"""The foundation: payload provenance, fetch runs, events and their heads, source state, search.

Revision ID: 0001_initial
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from regwatch.store._schema import JSONType, UTCDateTime

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fetch_run",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime),
        sa.Column("outcome", sa.String, nullable=False),
        sa.Column("requests", sa.Integer, nullable=False, server_default="0"),
        sa.Column("payloads", sa.Integer, nullable=False, server_default="0"),
        sa.Column("new_events", sa.Integer, nullable=False, server_default="0"),
        sa.Column("revised_events", sa.Integer, nullable=False, server_default="0"),
        sa.Column("unchanged_events", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.String),
        sa.Column("warnings", JSONType, nullable=False),
    )
    op.create_index("ix_fetch_run_source_started", "fetch_run", ["source", "started_at"])
    op.create_table(
        "payload",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("url", sa.String, nullable=False),
        sa.Column("role", sa.String, nullable=False, server_default=""),
        sa.Column("sha256", sa.String, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("status", sa.Integer, nullable=False, server_default="200"),
        sa.Column("content_type", sa.String),
        sa.Column("etag", sa.String),
        sa.Column("last_modified", sa.String),
        sa.Column("fetched_at", UTCDateTime, nullable=False),
        sa.Column("fetch_run_id", sa.Integer, sa.ForeignKey("fetch_run.id")),
        sa.Column("body", sa.LargeBinary),
    )
    op.create_index("ix_payload_source_sha", "payload", ["source", "sha256"])
    op.create_index("ix_payload_fetch_run_id", "payload", ["fetch_run_id"])
    op.create_table(
        "event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("content_hash", sa.String, nullable=False),
        sa.Column("provisional", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("title", sa.String, nullable=False),
        sa.Column("summary", sa.String),
        sa.Column("url", sa.String),
        sa.Column("published_on", sa.Date),
        sa.Column("effective_on", sa.Date),
        sa.Column("document_number", sa.String),
        sa.Column("citation", sa.String),
        sa.Column("list_code", sa.String),
        sa.Column("country", sa.String),
        sa.Column("entity", JSONType),
        sa.Column("changes", JSONType),
        sa.Column("related_key", sa.String),
        sa.Column("data", JSONType, nullable=False),
        sa.Column("previous_id", sa.Integer, sa.ForeignKey("event.id")),
        sa.Column("payload_id", sa.Integer, sa.ForeignKey("payload.id")),
        sa.Column("detected_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("key", "revision", name="uq_event_key_revision"),
    )
    for column in (
        "key",
        "source",
        "kind",
        "document_number",
        "list_code",
        "country",
        "related_key",
        "payload_id",
    ):
        op.create_index(f"ix_event_{column}", "event", [column])
    op.create_index("ix_event_published", "event", ["published_on"])
    op.create_index("ix_event_detected", "event", ["detected_at"])
    op.create_table(
        "event_head",
        sa.Column("key", sa.String, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("event.id"), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String, nullable=False),
        sa.Column("provisional", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "source_state",
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("cursor", JSONType, nullable=False),
        sa.Column("validators", JSONType, nullable=False),
        sa.Column("last_attempt_at", UTCDateTime),
        sa.Column("last_success_at", UTCDateTime),
        sa.Column("last_error", sa.String),
        sa.Column("last_error_at", UTCDateTime),
        sa.Column("last_error_kind", sa.String),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("newest_item_on", sa.Date),
        sa.Column("next_run_at", UTCDateTime),
    )
    if op.get_bind().dialect.name == "sqlite":
        # Full-text search: words for alphabetic scripts, and CJK text as character bigrams and
        # unigrams, so that one- and two-character Japanese terms are found (see store/_search.py).
        op.execute(
            "CREATE VIRTUAL TABLE event_fts USING fts5("
            "words, cjk2, cjk1, tokenize='unicode61 remove_diacritics 2')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE event_fts")
    for table in ("source_state", "event_head", "event", "payload", "fetch_run"):
        op.drop_table(table)
