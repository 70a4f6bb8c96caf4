"""The foundation: provenance, fetch runs, events, source state, search, and the shared model
of listed entities, companies, recipients, watch items and matches.

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
        sa.Column("event_on", sa.Date, nullable=False),
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
    op.create_index("ix_event_on_id", "event", ["event_on", "id"])
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
        sa.Column("lease_owner", sa.String),
        sa.Column("lease_until", UTCDateTime),
        sa.Column("ops_notice", sa.String),
    )
    _create_watch_tables()
    if op.get_bind().dialect.name == "sqlite":
        # Full-text search: words for alphabetic scripts, and CJK text as character bigrams and
        # unigrams, so that one- and two-character Japanese terms are found (see store/_search.py).
        op.execute(
            "CREATE VIRTUAL TABLE event_fts USING fts5("
            "words, cjk2, cjk1, tokenize='unicode61 remove_diacritics 2')"
        )


def _create_watch_tables() -> None:
    op.create_table(
        "listed_entity",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String, nullable=False, unique=True),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("list_code", sa.String, nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("aliases", JSONType, nullable=False),
        sa.Column("addresses", JSONType, nullable=False),
        sa.Column("country", sa.String),
        sa.Column("details", JSONType, nullable=False),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("event.id")),
        sa.Column("listed_on", sa.Date),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_listed_entity_source", "listed_entity", ["source"])
    op.create_index("ix_listed_entity_list_country", "listed_entity", ["list_code", "country"])
    op.create_table(
        "company",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "recipient",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("company.id"), nullable=False),
        sa.Column("email", sa.String, nullable=False),
        sa.Column("cadence", sa.String, nullable=False, server_default="daily"),
        sa.Column("at", sa.String, nullable=False, server_default="08:00"),
        sa.Column("timezone", sa.String, nullable=False, server_default="UTC"),
        sa.Column("weekday", sa.String, nullable=False, server_default="mon"),
        sa.Column("min_tier", sa.String, nullable=False, server_default="review"),
        sa.Column("sources", JSONType),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.UniqueConstraint("company_id", "email", name="uq_recipient_company_email"),
    )
    op.create_index("ix_recipient_company_id", "recipient", ["company_id"])
    op.create_table(
        "watch_item",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("company.id"), nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("value", sa.String, nullable=False),
        sa.Column("spec", JSONType, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("company_id", "kind", "value", name="uq_watch_item_company_kind_value"),
    )
    op.create_index("ix_watch_item_company_id", "watch_item", ["company_id"])
    op.create_table(
        "match",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("event.id"), nullable=False),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("company.id"), nullable=False),
        sa.Column("watch_item_id", sa.Integer, sa.ForeignKey("watch_item.id"), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("tier", sa.String, nullable=False),
        sa.Column("field", sa.String, nullable=False),
        sa.Column("explanation", JSONType, nullable=False),
        sa.Column("matcher_version", sa.String, nullable=False),
        sa.Column("status", sa.String, nullable=False, server_default="new"),
        sa.Column("note", sa.String),
        sa.Column("status_changed_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("event_id", "watch_item_id", name="uq_match_event_item"),
    )
    op.create_index("ix_match_event_id", "match", ["event_id"])
    op.create_index("ix_match_watch_item_id", "match", ["watch_item_id"])
    op.create_index("ix_match_company_status", "match", ["company_id", "status"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE event_fts")
    for table in ("match", "watch_item", "recipient", "company", "listed_entity"):
        op.drop_table(table)
    for table in ("source_state", "event_head", "event", "payload", "fetch_run"):
        op.drop_table(table)
