"""A minimal list source for the tests of whole-list diffing (and the "adding a source" docs):
a JSON array of ``{"id", "name", "country", "aliases"}`` objects, one list ``TEST``."""

from __future__ import annotations

from typing import ClassVar

from regwatch.exceptions import ParseError
from regwatch.http import Fetcher
from regwatch.model import Changes, Collection, Prior, PriorRequest, SourceState
from regwatch.sources import Source, SourceSettings
from regwatch.sources._snapshot import ListRecord, diff_list, list_prior_request

__all__ = ["JsonList"]


class JsonListSettings(SourceSettings):
    url: str = "http://127.0.0.1:9/list.json"
    max_shrink: float = 0.2


class JsonList(Source[JsonListSettings]):
    name: ClassVar[str] = "json_list"
    title: ClassVar[str] = "test list"
    Settings = JsonListSettings

    def collect(self, fetcher: Fetcher, state: SourceState) -> Collection:
        return Collection(payloads=[fetcher.get(self.settings.url, expect="json")])

    def prior_request(self) -> PriorRequest:
        return list_prior_request(self.name, ["TEST"])

    def parse(self, collection: Collection, prior: Prior) -> Changes:
        payload = collection.payloads[-1]
        items = payload.json()
        if not isinstance(items, list):
            raise ParseError(f"{payload.url}: expected a JSON array", url=payload.url)
        records = [
            ListRecord(
                key=f"test:{item['id']}",
                list_code="TEST",
                name=item["name"],
                aliases=tuple(item.get("aliases") or ()),
                country=item.get("country"),
            )
            for item in items
        ]
        return diff_list(
            self.name,
            prior,
            records,
            lists=["TEST"],
            titles={"TEST": "Test List"},
            max_shrink=self.settings.max_shrink,
            payload_index=len(collection.payloads) - 1,
            url=payload.url,
        )
