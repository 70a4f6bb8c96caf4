"""The tables.  Their history lives in ``migrations/versions``; change both together."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, LargeBinary, UniqueConstraint
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

__all__ = [
    "Company",
    "DismissalRequest",
    "EventHead",
    "EventRow",
    "FetchRun",
    "ListedEntity",
    "Match",
    "PayloadRow",
    "Recipient",
    "ReviewPolicy",
    "SourceStateRow",
    "UTCDateTime",
    "WatchItem",
]

#: JSON on SQLite, JSONB on PostgreSQL
JSONType = JSON().with_variant(postgresql.JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


def _json(**kw: Any) -> Any:
    return Field(sa_type=JSONType, **kw)


class PayloadRow(SQLModel, table=True):
    """Provenance: one fetched (or imported) payload.  The body is kept, zlib-compressed, when
    the payload changed something (or its source asks to keep every body, as snapshots do)."""

    __tablename__ = "payload"
    __table_args__ = (Index("ix_payload_source_sha", "source", "sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str
    url: str
    role: str = ""
    sha256: str
    size: int
    status: int = 200
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: datetime = _utc()
    fetch_run_id: int | None = Field(default=None, foreign_key="fetch_run.id", index=True)
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class EventRow(SQLModel, table=True):
    """One version (revision) of one change event.  Rows are never updated or deleted."""

    __tablename__ = "event"
    __table_args__ = (
        UniqueConstraint("key", "revision", name="uq_event_key_revision"),
        Index("ix_event_published", "published_on"),
        Index("ix_event_detected", "detected_at"),
        Index("ix_event_on_id", "event_on", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True)
    revision: int
    source: str = Field(index=True)
    kind: str = Field(index=True)
    content_hash: str
    provisional: bool = False
    title: str
    summary: str | None = None
    url: str | None = None
    published_on: date | None = None
    effective_on: date | None = None
    document_number: str | None = Field(default=None, index=True)
    citation: str | None = None
    list_code: str | None = Field(default=None, index=True)
    country: str | None = Field(default=None, index=True)
    entity: dict[str, Any] | None = _json(default=None)
    changes: dict[str, Any] | None = _json(default=None)
    related_key: str | None = Field(default=None, index=True)
    data: dict[str, Any] = _json(default_factory=dict)
    previous_id: int | None = Field(default=None, foreign_key="event.id")
    payload_id: int | None = Field(default=None, foreign_key="payload.id", index=True)
    detected_at: datetime = _utc()
    #: the date the change log is ordered and filtered by: the publication date, else the
    #: (UTC) date regwatch detected the event
    event_on: date


class EventHead(SQLModel, table=True):
    """The latest revision of each event key: what "is this new?" is decided against."""

    __tablename__ = "event_head"

    key: str = Field(primary_key=True)
    event_id: int = Field(foreign_key="event.id")
    revision: int
    content_hash: str
    provisional: bool = False


class SourceStateRow(SQLModel, table=True):
    """Each source's memory and health: cursor, validators, last success and failure."""

    __tablename__ = "source_state"

    name: str = Field(primary_key=True)
    cursor: dict[str, Any] = _json(default_factory=dict)
    validators: dict[str, Any] = _json(default_factory=dict)
    last_attempt_at: datetime | None = _utc(default=None)
    last_success_at: datetime | None = _utc(default=None)
    last_error: str | None = None
    last_error_at: datetime | None = _utc(default=None)
    #: the kind of the last failure: ``error``, ``blocked`` (403, empty 202, bot wall), …
    last_error_kind: str | None = None
    consecutive_failures: int = 0
    newest_item_on: date | None = None
    next_run_at: datetime | None = _utc(default=None)
    #: the daemon polling the source right now, until when (several daemons share one database)
    lease_owner: str | None = None
    lease_until: datetime | None = _utc(default=None)
    #: the ops notice in force (``failing``, ``blocked`` or ``stale``), so it is sent once
    ops_notice: str | None = None


class FetchRun(SQLModel, table=True):
    """One poll of one source: when, how it ended, what it stored."""

    __tablename__ = "fetch_run"
    __table_args__ = (Index("ix_fetch_run_source_started", "source", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str
    started_at: datetime = _utc()
    finished_at: datetime | None = _utc(default=None)
    #: ``ok``, ``not_modified`` or ``error``
    outcome: str
    requests: int = 0
    payloads: int = 0
    new_events: int = 0
    revised_events: int = 0
    unchanged_events: int = 0
    error: str | None = None
    warnings: list[str] = _json(default_factory=list)


class ListedEntity(SQLModel, table=True):
    """A party currently on a restricted-party list, as the latest snapshot or rule states it.

    This is what screening and re-screening compare watch items against.  Removed parties are
    deleted from here; their history stays in the events.
    """

    __tablename__ = "listed_entity"
    __table_args__ = (Index("ix_listed_entity_list_country", "list_code", "country"),)

    id: int | None = Field(default=None, primary_key=True)
    #: the stable identity, the same as the key of the entity's events
    key: str = Field(unique=True)
    source: str = Field(index=True)
    list_code: str
    name: str
    aliases: list[str] = _json(default_factory=list)
    addresses: list[str] = _json(default_factory=list)
    country: str | None = None
    details: dict[str, Any] = _json(default_factory=dict)
    #: the latest event about this entry (its listing, or its last revision)
    event_id: int | None = Field(default=None, foreign_key="event.id")
    listed_on: date | None = None
    updated_at: datetime = _utc()


class Company(SQLModel, table=True):
    """A company whose watch list regwatch screens."""

    __tablename__ = "company"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class Recipient(SQLModel, table=True):
    """Who gets a company's digests, where (e-mail, a webhook, a chat service), how often, and
    how much.  A person with several channels has one row per channel, each with its own
    cadence; ``email`` names the person on every one of them."""

    __tablename__ = "recipient"
    __table_args__ = (
        UniqueConstraint(
            "company_id", "email", "channel", "target", name="uq_recipient_destination"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    email: str
    #: ``immediate``, ``daily`` or ``weekly``
    cadence: str = "daily"
    #: local time of day, ``HH:MM``
    at: str = "08:00"
    timezone: str = "UTC"
    #: for weekly digests: ``mon`` … ``sun``
    weekday: str = "mon"
    #: ``alert`` (alerts only) or ``review`` (alerts and review-tier matches)
    min_tier: str = "review"
    #: only matches from these sources; ``None`` for all
    sources: list[str] | None = _json(default=None)
    active: bool = True
    #: *info* items: ``full``, ``collapse`` (one line each) or ``omit``
    info: str = "full"
    #: ``email``, ``webhook`` or ``chat``
    channel: str = "email"
    #: the webhook URL or the chat service's Apprise URL; empty for e-mail
    target: str = ""
    #: channel options (a webhook's ``secret_env`` and ``body``)
    options: dict[str, Any] | None = _json(default=None)
    #: the secret of the one-click unsubscribe link
    unsubscribe_token: str | None = Field(default=None, index=True)
    #: set when the recipient unsubscribed; an import never clears it
    unsubscribed_at: datetime | None = _utc(default=None)


class WatchItem(SQLModel, table=True):
    """One thing a company watches: an entity, keyword, ECCN, CFR part, country or topic."""

    __tablename__ = "watch_item"
    __table_args__ = (
        UniqueConstraint("company_id", "kind", "value", name="uq_watch_item_company_kind_value"),
    )

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    #: ``entity``, ``keyword``, ``eccn``, ``cfr``, ``country`` or ``topic``
    kind: str
    #: the item as the user wrote it (an entity's name, a keyword, ``4A003.*``, …)
    value: str
    #: the rest of its definition (aliases, country, identifiers, …)
    spec: dict[str, Any] = _json(default_factory=dict)
    active: bool = True
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class Match(SQLModel, table=True):
    """An event that touched a watch item, with why, how strongly, and its review status."""

    __tablename__ = "match"
    __table_args__ = (
        UniqueConstraint("event_id", "watch_item_id", name="uq_match_event_item"),
        Index("ix_match_company_status", "company_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    company_id: int = Field(foreign_key="company.id")
    watch_item_id: int = Field(foreign_key="watch_item.id", index=True)
    score: float
    #: ``alert`` or ``review``
    tier: str
    #: the event field that matched (``entity.name``, ``title``, ``data.cfr_references``, …)
    field: str
    #: aligned tokens, their scores, qualifiers: everything a reader needs to see why
    explanation: dict[str, Any] = _json(default_factory=dict)
    matcher_version: str
    #: ``new``, ``acknowledged`` or ``dismissed``
    status: str = "new"
    note: str | None = None
    status_changed_at: datetime | None = _utc(default=None)
    created_at: datetime = _utc()


class ReviewPolicy(SQLModel, table=True):
    """How a company's matches are reviewed."""

    __tablename__ = "review_policy"

    company_id: int = Field(foreign_key="company.id", primary_key=True)
    #: a dismissal needs a second reviewer
    four_eyes: bool = False
    updated_at: datetime = Field(sa_type=UTCDateTime)


class DismissalRequest(SQLModel, table=True):
    """A dismissal waiting for a second reviewer (four-eyes review)."""

    __tablename__ = "dismissal_request"

    match_id: int = Field(foreign_key="match.id", primary_key=True)
    requested_by: str
    note: str | None = None
    requested_at: datetime = Field(sa_type=UTCDateTime)
