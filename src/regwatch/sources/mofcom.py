"""China's MOFCOM Unreliable Entity List (``CN-UEL``) and Export Control Control List
(``CN-ECL``), rebuilt from MOFCOM's notices.

There is no structured list: each poll reads the configured MOFCOM pages that list notices,
fetches every notice page not read before, and reads from it the parties and what happens to
them (added; measures suspended until a date; measures stopped or parties removed).  Every notice
read is kept (as the source's snapshot), and each list is replayed from all of them, so a later
notice that suspends an earlier one's measures revises those parties (``status: suspended``)
and one that stops them removes them.

- A notice is one notice whatever URL it is read from: it is identified by its number
  (``不可靠实体清单工作机制〔2025〕10号``), a spokesperson's answer by its date.
- The first read records each list's baseline (one ``list.revised`` event), not a flood.
- A notice that announces more parties than can be read from it (``等10家`` with 9 in the
  annex: a truncated page) is refused: the poll fails naming it and nothing is stored, so the
  next poll reads it again.  A linked page that is no list notice is skipped with a warning.
- Removals only ever come from a notice that says so, never from a notice not being found
  again: MOFCOM's pages move and old notices drop off its listings.

MOFCOM answers few networks outside China: the source is off by default.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field

from ..events import ChangeEvent, EventKind, canonical_json
from ..exceptions import InputError
from ..http import Fetcher
from ..japanese import decode, resolve_link
from ..model import Changes, Collection, Payload, Prior, PriorRequest, SnapshotEntry, SourceState
from . import register
from ._base import Source, SourceSettings
from ._mofcom_notices import LISTS, Notice, notice_text, parse_notice, rebuild
from ._snapshot import diff_list, list_prior_request

__all__ = ["MofcomLists", "MofcomSettings"]

_SOURCE = "mofcom"
_NOTICE_PREFIX = "mofcom-notice:"
#: the list code the kept notices are filed under in the source's snapshot (not a list)
_NOTICES = "MOFCOM-NOTICES"
_TITLES = {
    "CN-UEL": "Unreliable Entity List (China)",
    "CN-ECL": "Export Control Control List (China)",
}
_LINK = re.compile(r"""<a\s[^>]*href\s*=\s*["']([^"']+)["'][^>]*>(.*?)</a>""", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
_HOSTS = ("mofcom.gov.cn",)


class MofcomSettings(SourceSettings):
    enabled: bool = Field(
        False, description="poll this source (off by default: MOFCOM answers few networks abroad)"
    )
    listing_urls: list[str] = Field(
        default_factory=lambda: ["https://www.mofcom.gov.cn/zwgk/zcfb/index.html"],
        description="MOFCOM pages (HTML) that link the notices",
    )
    link_words: list[str] = Field(
        default_factory=lambda: ["不可靠实体清单", "出口管制管控名单"],
        description="a link is followed when its text holds one of these",
    )
    max_notices: int = Field(
        50, ge=1, description="notice pages fetched in one poll at most (the rest next time)"
    )
    min_interval: float = Field(1.0, description="seconds between two requests to MOFCOM")


def _notice_entry(notice: Notice, urls: list[str]) -> SnapshotEntry:
    data = {**notice.to_json(), "urls": urls}
    fingerprint = hashlib.sha256(canonical_json(data).encode()).hexdigest()[:32]
    return SnapshotEntry(_NOTICE_PREFIX + notice.notice_id, _NOTICES, fingerprint, data)


@register
class MofcomLists(Source[MofcomSettings]):
    """MOFCOM's list notices, replayed into each list's parties."""

    name: ClassVar[str] = _SOURCE
    title: ClassVar[str] = "China MOFCOM Unreliable Entity List and Export Control Control List"
    Settings = MofcomSettings
    default_every: ClassVar[str] = "6h"

    def collect(self, fetcher: Fetcher, state: SourceState) -> Collection:
        collection = Collection()
        seen = set(state.cursor.get("urls") or ())
        wanted: list[str] = []
        for listing in self.settings.listing_urls:
            collection.requests += 1
            page = fetcher.get(
                listing, expect="html", min_interval=self.settings.min_interval, role="listing"
            )
            for url in self.notice_links(page):
                if url not in seen and url not in wanted:
                    wanted.append(url)
        if len(wanted) > self.settings.max_notices:
            collection.warnings.append(
                f"{len(wanted)} new notice pages; reading {self.settings.max_notices} now, the "
                "rest on the next polls"
            )
            wanted = wanted[: self.settings.max_notices]
        for url in wanted:
            collection.requests += 1
            collection.payloads.append(
                fetcher.get(
                    url, expect="html", min_interval=self.settings.min_interval, role="notice"
                )
            )
        collection.not_modified = not collection.payloads
        collection.cursor = {"urls": sorted(seen | set(wanted))}
        return collection

    def notice_links(self, page: Payload) -> list[str]:
        """Links on a listing page whose text names one of the lists."""
        text = decode(page.body, page.content_type, where=page.url).text
        out: list[str] = []
        for href, label in _LINK.findall(text):
            label = _TAG.sub("", label)
            if any(word in label for word in self.settings.link_words):
                # notices live on MOFCOM's sub-sites too (aqygzj.mofcom.gov.cn)
                url = resolve_link(page.url, href, hosts=_HOSTS)
                if url and url not in out:
                    out.append(url)
        return out

    def prior_request(self) -> PriorRequest:
        return list_prior_request(_SOURCE, list(LISTS))

    def read_file(self, path: str, body: bytes) -> Payload:
        return Payload(url=f"file://{path}", body=body, role="notice")

    def parse(self, collection: Collection, prior: Prior) -> Changes:
        known: dict[str, tuple[Notice, list[str]]] = {
            key.removeprefix(_NOTICE_PREFIX): (
                Notice.from_json(entry.data),
                list(entry.data.get("urls") or []),
            )
            for key, entry in prior.entries.items()
            if key.startswith(_NOTICE_PREFIX)
        }
        warnings: list[str] = []
        changed: set[str] = set()
        index_of: dict[str, int] = {}
        for index, payload in enumerate(collection.payloads):
            if payload.role != "notice" or not payload.body:
                continue
            text = notice_text(payload.body, payload.content_type, payload.url)
            try:
                notice = parse_notice(text, payload.url)
            except InputError as exc:
                warnings.append(f"skipped, not a list notice: {exc}")
                continue
            if notice.notice_id in known:
                old, urls = known[notice.notice_id]
                if payload.url not in urls:  # the same notice at another URL
                    known[notice.notice_id] = (old, [*urls, payload.url])
                    changed.add(notice.notice_id)
                continue
            known[notice.notice_id] = (notice, [payload.url])
            changed.add(notice.notice_id)
            index_of[notice.notice_id] = index
        replay = rebuild(n for n, _ in known.values())
        warnings += replay.warnings
        notices = {n.number: n for n, _ in known.values()}
        records = [r for code in LISTS for r in replay.lists.get(code, [])]
        out = diff_list(
            _SOURCE,
            prior,
            records,
            lists=list(LISTS),
            titles=dict(_TITLES),
            # removals come from notices that say so, never from a short read
            max_shrink=1.0,
            payload_index=None,
        )
        # the notices kept are the source's memory too, not a list
        out.entries.drop_lists = [c for c in out.entries.drop_lists if c != _NOTICES]
        out.listed.drop_lists = [c for c in out.listed.drop_lists if c != _NOTICES]
        out.events = [
            (index_of.get(cause.notice_id) if cause else None, _dated(event, cause))
            for _, event in out.events
            for cause in [_cause(event, notices, replay.removed_by)]
        ]
        for notice_id in sorted(changed):
            notice, urls = known[notice_id]
            entry = _notice_entry(notice, urls)
            out.entries.upsert[entry.key] = entry
        out.warnings += warnings
        return out


def _cause(
    event: ChangeEvent, notices: Mapping[str, Notice], removed_by: Mapping[str, str]
) -> Notice | None:
    """The notice behind an entity event: the one that added, suspended or removed the party."""
    if event.kind == EventKind.LIST_REVISED:
        return None
    if event.kind == EventKind.ENTITY_REMOVED:
        return notices.get(removed_by.get(event.key, ""))
    details: Mapping[str, Any] = event.entity.details if event.entity else {}
    number = details.get("suspended_by") if event.kind == EventKind.ENTITY_REVISED else None
    return notices.get(str(number or details.get("notice") or ""))


def _dated(event: ChangeEvent, cause: Notice | None) -> ChangeEvent:
    """An entity event carries the notice that caused it: its URL, date and number."""
    if cause is None:
        return event
    return dataclasses.replace(
        event, url=cause.url, published_on=cause.published_on, document_number=cause.number
    )
