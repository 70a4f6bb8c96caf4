"""METI's Russia, Belarus and third-country export-ban party lists, list ``JP-METI-RU``.

Japan bans exports to the parties designated by 外務省告示 for Russia, Belarus and third
countries; METI publishes each list as a PDF on its Russia export page.  Each poll asks for the
three PDFs (conditionally: an unchanged file is not read again) and reads a changed one whole:

- the first read of each list records its baseline (one ``list.revised`` event per list);
- later reads give ``entity.added`` / ``entity.revised`` / ``entity.removed``, each party with
  its Japanese and English names (both screened), aliases in both, and addresses;
- a PDF that cannot be read whole (a lost entry, an additions annex where the full list was
  expected, a page that is not a PDF) or that would remove more than ``max_shrink`` of its list
  is refused: the poll fails naming the file, nothing of it is stored, health shows why.

METI refuses most networks outside Japan: the source is off by default.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import ClassVar

from pydantic import Field

from ..exceptions import InputError, ParseError, SnapshotRefused
from ..http import Fetcher
from ..model import ChangeEvent, Changes, Collection, Payload, Prior, PriorRequest, SourceState
from . import register
from ._base import Source, SourceSettings
from ._meti_ru_lists import LIST_CODE, LISTS, MetiRuList, read_list
from ._snapshot import ListRecord, diff_list, list_prior_request

__all__ = ["MetiRussiaLists", "MetiRussiaSettings"]

_SOURCE = "meti_ru"
_BASE = "https://www.meti.go.jp/policy/external_economy/trade_control/02_export/17_russia/"
_URLS = {
    "russia": _BASE + "list_russia_tokutei.pdf",
    "belarus": _BASE + "list_belarus_tokutei.pdf",
    "third_country": _BASE + "list_daisangoku_tokutei.pdf",
}


class MetiRussiaSettings(SourceSettings):
    enabled: bool = Field(
        False, description="poll this source (off by default: METI refuses most networks abroad)"
    )
    russia_url: str | None = Field(
        _URLS["russia"], description="the Russia list's PDF (`null`: not read)"
    )
    belarus_url: str | None = Field(
        _URLS["belarus"], description="the Belarus list's PDF (`null`: not read)"
    )
    third_country_url: str | None = Field(
        _URLS["third_country"], description="the third-country list's PDF (`null`: not read)"
    )
    max_shrink: float = Field(
        0.2, ge=0, le=1, description="refuse a PDF that removes more than this share of its list"
    )
    min_interval: float = Field(1.0, description="seconds between two requests to METI")

    def urls(self) -> dict[str, str]:
        """The lists read, by name."""
        named = {
            "russia": self.russia_url,
            "belarus": self.belarus_url,
            "third_country": self.third_country_url,
        }
        return {name: url for name, url in named.items() if url}


@register
class MetiRussiaLists(Source[MetiRussiaSettings]):
    """The three specific-party lists, each PDF read whole when it changes."""

    name: ClassVar[str] = _SOURCE
    title: ClassVar[str] = "METI Russia, Belarus and third-country export-ban party lists"
    Settings = MetiRussiaSettings
    default_every: ClassVar[str] = "1d"

    def collect(self, fetcher: Fetcher, state: SourceState) -> Collection:
        collection = Collection()
        hashes = dict(state.cursor.get("sha256") or {})
        for list_name, url in self.settings.urls().items():
            collection.requests += 1
            payload = fetcher.get(
                url,
                expect="any",
                validators=state.validators.get(url),
                min_interval=self.settings.min_interval,
                role=list_name,
            )
            if payload.validators:
                collection.validators[url] = payload.validators
            if payload.status == 304 or payload.sha256 == hashes.get(list_name):
                continue
            hashes[list_name] = payload.sha256
            collection.payloads.append(payload)
        collection.not_modified = not collection.payloads
        collection.cursor = {"sha256": hashes}
        return collection

    def prior_request(self) -> PriorRequest:
        return list_prior_request(_SOURCE, [LIST_CODE])

    def read_file(self, path: str, body: bytes) -> Payload:
        return Payload(url=f"file://{path}", body=body, role="import")

    def parse(self, collection: Collection, prior: Prior) -> Changes:
        """The three lists are one list code: a PDF that changed replaces its part, the parts
        not read this time stay as last read, and the whole is diffed (each part's own shrink
        is checked first: the Belarus list is too small a part of the whole to trip it)."""
        reads: dict[str, tuple[int, MetiRuList, Payload]] = {}
        for index, payload in enumerate(collection.payloads):
            if payload.status == 304 or not payload.body:
                continue
            expected = payload.role if payload.role in LISTS else None
            try:
                read = read_list(payload.body, payload.url, expected=expected)
            except InputError as exc:
                raise ParseError(str(exc), url=payload.url) from exc
            reads[read.list_name] = (index, read, payload)
        if not reads:
            return Changes()
        before = Counter(
            str(e.data.get("details", {}).get("list"))
            for e in prior.entries.values()
            if e.list_code == LIST_CODE
        )
        records: list[ListRecord] = [
            ListRecord.from_json(e.data)
            for e in prior.entries.values()
            if e.list_code == LIST_CODE and e.data.get("details", {}).get("list") not in reads
        ]
        for list_name, (_, read, payload) in reads.items():
            count = before.get(list_name, 0)
            limit = self.settings.max_shrink
            if count and (count - len(read.parties)) / count > limit:
                raise SnapshotRefused(
                    f"{payload.url}: the {list_name} list would shrink from {count} to "
                    f"{len(read.parties)} entries, more than the {limit:.0%} allowed "
                    "(max_shrink); nothing was stored"
                )
            url = payload.url if payload.url.startswith("http") else None
            records += [dataclasses.replace(r, url=url) for r in read.parties]
        first_index, _, first_payload = next(iter(reads.values()))
        changes = diff_list(
            _SOURCE,
            prior,
            records,
            lists=[LIST_CODE],
            titles={LIST_CODE: "METI Russia/Belarus/third-country export-ban list"},
            max_shrink=self.settings.max_shrink,
            payload_index=first_index,
            url=first_payload.url if len(reads) == 1 else None,
            extra={
                "lists_read": sorted(reads),
                "lists_updated_on": {
                    name: read.updated_on.isoformat() if read.updated_on else None
                    for name, (_, read, _) in reads.items()
                },
            },
        )
        # each party's event points at the PDF it was read from and carries the list's date
        # (最終更新日): the date of the change, and the source's newest item
        part_of = {f"jp-meti-ru:{name}:": (index, read) for name, (index, read, _) in reads.items()}
        newest = max((r.updated_on for _, r, _ in reads.values() if r.updated_on), default=None)
        dated: list[tuple[int | None, ChangeEvent]] = []
        for given, event in changes.events:
            part = next((v for p, v in part_of.items() if event.key.startswith(p)), None)
            on = part[1].updated_on if part else newest
            dated.append((part[0] if part else given, dataclasses.replace(event, published_on=on)))
        changes.events = dated
        return changes
