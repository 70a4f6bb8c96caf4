"""What a source is: settings, a collector (I/O) and a parser (pure), behind one small class.

The contract, for every source:

- :meth:`Source.collect` ``(fetcher, state) -> Collection`` does all the I/O: it fetches what is
  new since the source's saved state.  Import-only formats (files a user saves and imports) have
  no collector;
- :meth:`Source.parse` ``(collection, prior) -> Changes`` is pure: from the payloads and the
  :class:`~regwatch.model.Prior` the store loaded (what the source declared it needs in
  :meth:`Source.prior_request`), it decides the events, how the source's own snapshot and the
  listed parties change, and the new cursor.  The store applies the :class:`Changes` in one
  transaction.  A source never imports the store.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..exceptions import ConfigError
from ..model import (
    ChangeEvent,
    Changes,
    Collection,
    Payload,
    Prior,
    PriorRequest,
    SourceState,
)
from ..timeutil import parse_duration

if TYPE_CHECKING:
    from ..http import Fetcher

__all__ = [
    "Collection",
    "ImportOption",
    "Payload",
    "Source",
    "SourceSettings",
    "SourceState",
]


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
class ImportOption:
    """An option ``regwatch import`` takes for one source (``--edition`` for an edition date)."""

    name: str
    metavar: str
    help: str
    #: turns the text given on the command line into the value parse sees, or raises ValueError
    convert: Callable[[str], Any] = str
    #: the value says something about one file only (an edition's date)
    one_file: bool = False


S = TypeVar("S", bound=SourceSettings)


class Source(ABC, Generic[S]):
    """One place regwatch watches, or one file format it imports.

    A subclass sets :attr:`name`, :attr:`title` and :attr:`Settings`, implements
    :meth:`collect` (the only method that does I/O; leave it out for an import-only format) and
    :meth:`parse` (pure), and is registered with :func:`regwatch.sources.register`.  The
    metadata drives the validation of ``sources.yaml``, the configuration reference and
    ``--help``.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    Settings: ClassVar[type[SourceSettings]] = SourceSettings
    #: the poll interval when the settings give neither ``every`` nor ``cron``
    default_every: ClassVar[str] = "1h"
    #: False for import-only formats (nothing to poll); set from whether ``collect`` exists
    pollable: ClassVar[bool] = True
    #: keep every fetched body in the store, not only those that changed something
    keep_bodies: ClassVar[bool] = False
    #: what ``regwatch import`` may be told about the files of this source
    import_options: ClassVar[tuple[ImportOption, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.pollable = cls.collect is not Source.collect

    def __init__(self, settings: S) -> None:
        self.settings = settings

    def collect(self, fetcher: Fetcher, state: SourceState) -> Collection:
        """Fetch everything new since ``state``; raise a :class:`FetchError` on failure."""
        raise ConfigError(f"{self.name} cannot be polled; use `regwatch import {self.name} FILE`")

    def prior_request(self) -> PriorRequest:
        """What :meth:`parse` needs to know of the past (the default: nothing)."""
        return PriorRequest()

    def parse(self, collection: Collection, prior: Prior) -> Changes:
        """Decide what a collection changes.  Pure and deterministic: no I/O, no clock.

        The default reads each payload on its own with :meth:`parse_payload`.
        """
        return Changes(events=self.payload_events(collection))

    def parse_payload(self, payload: Payload) -> list[ChangeEvent]:
        """The events of one payload on its own, for sources whose payloads stand alone."""
        raise NotImplementedError(f"{self.name} reads a collection as a whole (Source.parse)")

    def payload_events(self, collection: Collection) -> list[tuple[int | None, ChangeEvent]]:
        """:meth:`parse_payload` over every payload that has a body, with its index."""
        return [
            (index, event)
            for index, payload in enumerate(collection.payloads)
            if payload.status != 304
            for event in self.parse_payload(payload)
        ]

    def read_file(self, path: str, body: bytes) -> Payload:
        """A payload for ``regwatch import`` from a saved file; override to sniff the format."""
        content_type = "application/json" if path.endswith(".json") else None
        return Payload(url=f"file://{path}", body=body, content_type=content_type, role="import")

    def newest_item_on(self, events: list[ChangeEvent]) -> date | None:
        """The newest publication date among ``events``, for the staleness check."""
        dates = [e.published_on for e in events if e.published_on]
        return max(dates) if dates else None
