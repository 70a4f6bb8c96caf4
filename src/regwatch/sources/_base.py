"""What a source is: settings, a collector (I/O) and a parser (pure), behind one small class."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..events import ChangeEvent
from ..exceptions import ParseError
from ..timeutil import parse_duration

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Connection

    from ..http import Fetcher
    from ..store import Store

__all__ = [
    "Collection",
    "Payload",
    "Source",
    "SourceSettings",
    "SourceState",
]


@dataclass(frozen=True)
class Payload:
    """Bytes as a collector fetched them (or as ``regwatch import`` read them from a file).

    Every event keeps a reference to the payload it came from: its URL, fetch time and SHA-256
    are the event's provenance.
    """

    url: str
    body: bytes
    content_type: str | None = None
    fetched_at: datetime | None = None
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    #: a short word for what this payload is within its source, e.g. ``documents`` or ``pi``
    role: str = ""

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @cached_property
    def charset(self) -> str | None:
        ctype = self.content_type or ""
        for part in ctype.split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                return value.strip().strip('"')
        return None

    def json(self) -> Any:
        """The body decoded as JSON, once; truncated or invalid JSON is a :class:`ParseError`."""
        return self._json

    @cached_property
    def _json(self) -> Any:
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ParseError(
                f"{self.url}: invalid JSON ({len(self.body)} bytes): {exc}", url=self.url
            ) from exc


class SourceSettings(BaseModel):
    """Settings every source has; a source subclasses this with its own endpoints and filters."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="poll this source in `poll` and `run`")
    every: str | None = Field(
        None, description="poll interval such as `30m`, `1h`, `1d` (default: the source's own)"
    )
    cron: str | None = Field(
        None, description='crontab schedule such as `"0 6 * * 1-5"`, instead of `every`'
    )
    jitter: str = Field("30s", description="random delay added to each scheduled poll")
    stale_after: str | None = Field(
        None, description="flag the source stale when its newest item is older than this"
    )

    @field_validator("every", "jitter", "stale_after")
    @classmethod
    def _check_duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)  # raises ValueError naming the expected form
        return value

    @field_validator("cron")
    @classmethod
    def _check_cron(cls, value: str | None) -> str | None:
        if value is not None:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(value)
            except ValueError as exc:
                raise ValueError(f'expected a crontab line such as "0 6 * * 1-5" ({exc})') from None
        return value

    @model_validator(mode="after")
    def _check_schedule(self) -> SourceSettings:
        if self.every is not None and self.cron is not None:
            raise ValueError("give either `every` or `cron`, not both")
        return self


@dataclass(frozen=True)
class SourceState:
    """What a collector may know about its own past: the saved cursor and HTTP validators."""

    cursor: Mapping[str, Any] = field(default_factory=dict)
    validators: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    last_success_at: datetime | None = None
    newest_item_on: date | None = None


@dataclass
class Collection:
    """What one collection pass brought back, before anything is parsed or stored."""

    payloads: list[Payload] = field(default_factory=list)
    #: the cursor to save once the batch is stored; ``None`` leaves the saved one as it is
    cursor: dict[str, Any] | None = None
    #: HTTP validators (``etag``, ``last_modified``) to save, per URL
    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    #: every request was answered "304 Not Modified"
    not_modified: bool = False
    #: things worth telling the operator that are not failures
    warnings: list[str] = field(default_factory=list)
    #: how many HTTP requests the pass made
    requests: int = 0


S = TypeVar("S", bound=SourceSettings)


class Source(ABC, Generic[S]):
    """One place regwatch watches.

    A subclass sets :attr:`name`, :attr:`title` and :attr:`Settings`, implements
    :meth:`collect` (the only method that does I/O) and :meth:`parse` (pure: bytes in, events
    out), and is registered with :func:`regwatch.sources.register`.  The metadata drives the
    validation of ``sources.yaml``, the configuration reference in docs/ and ``--help``.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    Settings: ClassVar[type[SourceSettings]] = SourceSettings
    #: the poll interval when the settings give neither ``every`` nor ``cron``
    default_every: ClassVar[str] = "1h"
    #: False for import-only sources (a format ``regwatch import`` reads, nothing to poll)
    pollable: ClassVar[bool] = True
    #: keep every fetched body in the store, not only those that changed something
    keep_bodies: ClassVar[bool] = False

    def __init__(self, settings: S, fetcher: Fetcher | None = None) -> None:
        self.settings = settings
        self._fetcher = fetcher

    @property
    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            raise RuntimeError(f"source {self.name!r} was built without an HTTP fetcher")
        return self._fetcher

    @abstractmethod
    def collect(self, state: SourceState) -> Collection:
        """Fetch everything new since ``state``; raise a :class:`FetchError` on failure."""

    @abstractmethod
    def parse(self, payload: Payload) -> list[ChangeEvent]:
        """Turn one payload into events.  Pure and deterministic: no I/O, no clock."""

    def events(self, collection: Collection, store: Store) -> list[tuple[int | None, ChangeEvent]]:
        """All events of a collection, each with the index of its payload.

        The default parses every payload that has a body.  Sources whose events depend on what
        was seen before (snapshot diffs) override this and read their previous state from
        ``store``.
        """
        return [
            (index, event)
            for index, payload in enumerate(collection.payloads)
            if payload.status != 304
            for event in self.parse(payload)
        ]

    def store_state(self, conn: Connection, events: Sequence[ChangeEvent]) -> None:
        """Write the source's own tables inside the batch's transaction, once its events are
        stored, so that both commit or roll back together (state a later poll is diffed
        against, such as the CSL's last snapshot).  ``events`` are the batch's events; the id
        of each key's stored version is in ``event_head``.  The default does nothing.

        Sources that list parties may bring ``listed_entity`` up to date here
        (:func:`regwatch.entities.apply_entity_events`).
        """

    def read_file(self, path: str, body: bytes) -> Payload:
        """A payload for ``regwatch import`` from a saved file; override to sniff the format."""
        content_type = "application/json" if path.endswith(".json") else None
        return Payload(url=f"file://{path}", body=body, content_type=content_type, role="import")

    def newest_item_on(self, events: list[ChangeEvent]) -> date | None:
        """The newest publication date among ``events``, for the staleness check."""
        dates = [e.published_on for e in events if e.published_on]
        return max(dates) if dates else None
