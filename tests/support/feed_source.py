"""A minimal second source for tests that need "the other sources": a JSON list of releases."""

from __future__ import annotations

from typing import ClassVar

from regwatch.http import Fetcher
from regwatch.model import ChangeEvent, Collection, EventKind, Payload, SourceState
from regwatch.sources import Source, SourceSettings

__all__ = ["JsonFeed"]


class JsonFeedSettings(SourceSettings):
    url: str = "http://127.0.0.1:9/feed.json"


class JsonFeed(Source[JsonFeedSettings]):
    """``[{"id": "...", "title": "..."}]`` → one release event each."""

    name: ClassVar[str] = "json_feed"
    title: ClassVar[str] = "test feed"
    Settings = JsonFeedSettings

    def collect(self, fetcher: Fetcher, state: SourceState) -> Collection:
        return Collection(payloads=[fetcher.get(self.settings.url, expect="json")])

    def parse_payload(self, payload: Payload) -> list[ChangeEvent]:
        return [
            ChangeEvent(
                source=self.name,
                kind=EventKind.RELEASE_PUBLISHED,
                key=f"feed:{item['id']}",
                title=item["title"],
            )
            for item in payload.json()
        ]
