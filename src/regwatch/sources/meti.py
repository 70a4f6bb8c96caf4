"""Japan's METI: news releases, the security export control page, new End User List editions.

Each poll reads, politely (one request a second by default, conditional GET everywhere):

- the Atom feed of all news releases (``feed_url``) and the HTML listings (``listing_urls``),
  which are the fallback when the feed is blocked and the cross-check when it is stale (it
  stopped updating in June 2026 while answering 200); both give ``release.published`` events
  keyed by the release's 11-digit id, dated by that id, classified by keyword rules (export
  control, End User List, economic security, sanctions);
- the security export control page (``anpo_url``): each 新着情報 row and each new 最終更新日;
- the End User List page (``eul_page_url``) and the page of any release announcing a new
  edition: a *provisional* ``list.revised`` event for the edition (PDF link, application date,
  announced count), replaced once the edition is imported with ``regwatch import meti_eul``.

METI refuses many automated clients (403, an empty 202, a challenge page): the poll fails as
``blocked`` when no release channel could be read, and a channel that fails while another works
is a warning.  The source is ``stale`` when its newest item is older than ``stale_after``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from ..exceptions import BlockedError, FetchError, ParseError
from ..japanese import decode
from ..keys import EUL_EDITION_PREFIX, METI_RELEASE_PREFIX, meti_anpo_key, meti_release_key
from ..model import (
    ChangeEvent,
    Changes,
    Collection,
    EventKind,
    Payload,
    Prior,
    PriorRequest,
    SourceState,
)
from ..timeutil import utcnow
from . import register
from ._base import Source, SourceSettings
from ._eul_diff import LIST_CODE, edition_key
from ._meti_pages import (
    JST,
    AnpoPage,
    EditionLink,
    Release,
    ReleasePage,
    looks_like_html,
    parse_anpo_page,
    parse_eul_page,
    parse_feed,
    parse_listing,
    parse_release_page,
    release_id,
)
from ._meti_topics import classify

if TYPE_CHECKING:
    from ..http import Fetcher

__all__ = ["Meti", "MetiSettings"]

_RELEASE_ROLES = ("feed", "listing")
#: text every genuine page of each kind contains; a page without it is a challenge page
_MARKERS = {"listing": "経済産業省", "anpo": "安全保障貿易管理", "eul_page": "外国ユーザーリスト"}
_IMPORT_BASES = {
    "listing": "https://www.meti.go.jp/press/index.html",
    "anpo": "https://www.meti.go.jp/policy/anpo/index.html",
    "eul_page": "https://www.meti.go.jp/policy/anpo/law09.html",
}
_KEEP_RELEASE_PAGES = 50
#: only a recent release announces a new edition; older ones are history
_RELEASE_PAGE_DAYS = 90


class MetiSettings(SourceSettings):
    # Off until asked for: METI answers 403 or an empty 202 to most networks outside Japan, so
    # a fresh install elsewhere would start out "blocked".  End User List editions can always
    # be imported by hand (meti_eul).
    enabled: bool = Field(
        False, description="poll METI (off by default: it blocks most networks outside Japan)"
    )
    stale_after: str | None = Field(
        "7d", description="flag the source stale when its newest item is older than this"
    )
    feed_url: str | None = Field(
        "https://www.meti.go.jp/ml_index_release_atom.xml",
        description="the Atom feed of all news releases; empty to skip it",
    )
    listing_urls: list[str] = Field(
        default_factory=lambda: [
            "https://www.meti.go.jp/press/archive_{yyyymm}.html",
            "https://www.meti.go.jp/press/category_02.html",
        ],
        description="press listings read as the feed's fallback and cross-check "
        "(`{yyyymm}` is this month in Japan, and last month during a month's first week)",
    )
    anpo_url: str | None = Field(
        "https://www.meti.go.jp/policy/anpo/index.html",
        description="the security export control page (新着情報, 最終更新日); empty to skip it",
    )
    eul_page_url: str | None = Field(
        "https://www.meti.go.jp/policy/anpo/law09.html",
        description="the End User List page, where new editions are found; empty to skip it",
    )
    release_pages: bool = Field(
        True,
        description="read the page of a release announcing a new End User List edition "
        "(PDF link, application date, announced count)",
    )
    classified_only: bool = Field(
        False, description="keep only releases the keyword rules classify"
    )
    min_interval: float = Field(1.0, ge=0, description="seconds between two requests to METI")


@register
class Meti(Source[MetiSettings]):
    """METI news releases, the security export control page and End User List editions."""

    name: ClassVar[str] = "meti"
    title: ClassVar[str] = "METI (Japan): releases, security export control, End User List"
    Settings = MetiSettings
    default_every = "3h"

    # -- collecting ---------------------------------------------------------------------------

    def _targets(self) -> Iterator[tuple[str, str]]:
        if self.settings.feed_url:
            yield "feed", self.settings.feed_url
        today = utcnow().astimezone(JST).date()
        months = [today] + ([today.replace(day=1) - timedelta(days=1)] if today.day <= 7 else [])
        for template in self.settings.listing_urls:
            urls = [template.replace("{yyyymm}", m.strftime("%Y%m")) for m in months]
            for url in dict.fromkeys(urls):
                yield "listing", url
        if self.settings.anpo_url:
            yield "anpo", self.settings.anpo_url
        if self.settings.eul_page_url:
            yield "eul_page", self.settings.eul_page_url

    def collect(self, fetcher: Fetcher, state: SourceState) -> Collection:
        collection = Collection()
        failures: list[tuple[str, Exception]] = []
        targets = list(self._targets())
        for role, url in targets:
            try:
                self._fetch(fetcher, url, role, state, collection)
            except (FetchError, ParseError) as exc:
                failures.append((role, exc))
                collection.warnings.append(f"{role}: {exc}")
        # The poll stands if a release channel (or, without any, some page) was read; the
        # other failures are warnings.  Otherwise it fails, as `blocked` when METI refused us.
        roles = {r for r, _ in targets}
        essential = roles & set(_RELEASE_ROLES) or roles
        if essential and not any(p.role in essential for p in collection.payloads):
            lost = [e for r, e in failures if r in essential]
            blocked = [e for e in lost if isinstance(e, BlockedError)]
            if blocked:
                raise BlockedError("; ".join(str(e) for e in blocked), url=blocked[0].url)
            raise lost[0]
        self._cross_check(collection)
        if self.settings.release_pages:
            self._fetch_release_pages(fetcher, state, collection)
        collection.not_modified = bool(collection.payloads) and all(
            p.status == 304 for p in collection.payloads
        )
        return collection

    def _fetch(
        self, fetcher: Fetcher, url: str, role: str, state: SourceState, collection: Collection
    ) -> Payload:
        collection.requests += 1
        payload = fetcher.get(
            url,
            expect="any" if role in ("feed", "release") else "html",
            validators=state.validators.get(url),
            min_interval=self.settings.min_interval,
            role=role,
        )
        if payload.status != 304:
            self._check(payload)
        collection.payloads.append(payload)
        if payload.validators:
            collection.validators[url] = payload.validators
        return payload

    def _check(self, payload: Payload) -> None:
        """A body that is not what the role expects is a challenge page or a layout change."""
        if payload.role == "feed":
            if looks_like_html(payload.body):
                raise BlockedError(
                    f"{payload.url}: an HTML page instead of the Atom feed (a challenge or "
                    "error page)",
                    url=payload.url,
                )
            parse_feed(payload)
            return
        try:
            self._parse_page(payload)
        except ParseError as exc:
            marker = _MARKERS.get(payload.role)
            text = decode(payload.body, payload.content_type, where=payload.url).text
            if marker and marker not in text:
                raise BlockedError(
                    f"{payload.url}: not METI's page ({marker} missing): a challenge or error "
                    f"page, {len(payload.body)} bytes",
                    url=payload.url,
                ) from exc
            raise

    def _cross_check(self, collection: Collection) -> None:
        feed = [
            r for p in collection.payloads if p.role == "feed" and p.body for r in parse_feed(p)
        ]
        listed = [
            r
            for p in collection.payloads
            if p.role == "listing" and p.body
            for r in parse_listing(p)
        ]
        if feed and listed:
            newest_feed = max(r.published_on for r in feed)
            newest_listed = max(r.published_on for r in listed)
            if newest_listed > newest_feed:
                collection.warnings.append(
                    f"the Atom feed's newest entry is of {newest_feed} but the listings show "
                    f"releases up to {newest_listed}: the feed looks stale"
                )

    def _fetch_release_pages(
        self, fetcher: Fetcher, state: SourceState, collection: Collection
    ) -> None:
        done = list(state.cursor.get("release_pages", []))
        recent = utcnow().astimezone(JST).date() - timedelta(days=_RELEASE_PAGE_DAYS)
        for payload in list(collection.payloads):
            if payload.role not in _RELEASE_ROLES or not payload.body:
                continue
            for release in self._releases(payload):
                if not release.id or release.id in done or release.published_on < recent:
                    continue
                if "end_user_list" not in classify(release.title, release.summary).topics:
                    continue
                try:
                    self._fetch(fetcher, release.url, "release", SourceState(), collection)
                except (FetchError, ParseError) as exc:
                    collection.warnings.append(f"release page: {exc}")
                    continue
                done.append(release.id)
        collection.cursor = {**state.cursor, "release_pages": done[-_KEEP_RELEASE_PAGES:]}

    # -- parsing ------------------------------------------------------------------------------

    def read_file(self, path: str, body: bytes) -> Payload:
        head = body[:2048].lower()
        if b"<feed" in head:
            role = "feed"
        elif "新着情報".encode() in body or "新着情報".encode("cp932") in body:
            role = "anpo"
        else:
            role = "listing"
        return Payload(url=f"file://{path}", body=body, role=role)

    def _releases(self, payload: Payload) -> list[Release]:
        return parse_feed(payload) if payload.role == "feed" else parse_listing(payload)

    def _parse_page(self, payload: Payload) -> AnpoPage | EditionLink | ReleasePage | list[Release]:
        if payload.role == "anpo":
            return parse_anpo_page(payload)
        if payload.role == "eul_page":
            return parse_eul_page(payload)
        if payload.role == "release":
            return parse_release_page(payload)
        return self._releases(payload)

    def parse_payload(self, payload: Payload) -> list[ChangeEvent]:
        if payload.url.startswith("file://") and payload.role in _IMPORT_BASES:
            # a saved page's relative links point into METI's site, not the local disk
            payload = replace(payload, url=_IMPORT_BASES[payload.role])
        parsed = self._parse_page(payload)
        if isinstance(parsed, AnpoPage):
            return anpo_events(parsed, payload.url)
        if isinstance(parsed, EditionLink):
            facts = {"pdf_urls": list(parsed.pdf_urls)}
            return [announced_edition(parsed.edition, parsed.effective_on, payload.url, facts)]
        if isinstance(parsed, ReleasePage):
            told: dict[str, Any] = {"release_url": payload.url, **parsed.announced}
            if parsed.pdf_urls:
                told["pdf_urls"] = list(parsed.pdf_urls)
            return [announced_edition(parsed.published_on, parsed.effective_on, payload.url, told)]
        events = [release_event(r) for r in parsed]
        if self.settings.classified_only:
            events = [e for e in events if e.data.get("topics")]
        return events

    def prior_request(self) -> PriorRequest:
        return PriorRequest(heads=(METI_RELEASE_PREFIX, EUL_EDITION_PREFIX))

    def parse(self, collection: Collection, prior: Prior) -> Changes:
        """Observations of one item from several pages are merged into one event, and with
        what is stored, so that a poll that could only read a listing never takes away the
        feed's summary (and never flips an event back and forth between two versions)."""
        parsed = self.payload_events(collection)
        roles = {i: p.role for i, p in enumerate(collection.payloads)}
        merged: dict[str, tuple[int | None, ChangeEvent]] = {}
        for index, event in parsed:
            current = merged.get(event.key)
            if current is None:
                merged[event.key] = (index, event)
            elif event.key.startswith(METI_RELEASE_PREFIX):
                if index is not None and roles[index] == "feed" and current[1].summary is None:
                    merged[event.key] = (index, event)
            else:
                merged[event.key] = (current[0], _merge_announcements(current[1], event))
        out = []
        for key, (index, event) in merged.items():
            stored = prior.heads.get(key)
            head = stored.event if stored else None
            if head is not None and key.startswith(METI_RELEASE_PREFIX):
                event = _merge_release(head, event)
            elif head is not None and head.provisional and event.provisional:
                event = _merge_announcements(head, event)
            out.append((index, event))
        return Changes(events=out)


def _merge_release(head: ChangeEvent, seen: ChangeEvent) -> ChangeEvent:
    if seen.summary is not None:
        return seen
    # only a listing saw it this time: keep the feed's summary, and the feed's title and URL
    # when the stored version came from the feed
    title, url = (head.title, head.url) if head.summary is not None else (seen.title, seen.url)
    return release_event(
        Release(seen.document_number, url or "", title, seen.published_on or date.min, head.summary)
    )


def _merge_announcements(a: ChangeEvent, b: ChangeEvent) -> ChangeEvent:
    data = {**a.data, **{k: v for k, v in b.data.items() if v is not None}}
    urls = [*a.data.get("pdf_urls", []), *b.data.get("pdf_urls", [])]
    if urls:
        data["pdf_urls"] = list(dict.fromkeys(urls))
    edition = date.fromisoformat(data["edition"])
    url = data.get("release_url") or a.url or b.url
    return announced_edition(edition, a.effective_on or b.effective_on, url, data)


# -- events ---------------------------------------------------------------------------------


def release_event(release: Release) -> ChangeEvent:
    found = classify(release.title, release.summary)
    ident = release_id(release.url)
    key = release.id or hashlib.sha256(release.url.encode()).hexdigest()[:16]
    data: dict[str, Any] = {
        "release_id": release.id,
        "fiscal_year": int(release.url.split("/press/")[1][:4]) if ident else None,
        "topics": list(found.topics),
        "relevance": found.relevance,
        "keywords": list(found.terms),
    }
    return ChangeEvent(
        source=Meti.name,
        kind=EventKind.RELEASE_PUBLISHED,
        key=meti_release_key(key),
        title=release.title,
        summary=release.summary,
        url=release.url,
        published_on=release.published_on,
        document_number=release.id,
        data={k: v for k, v in data.items() if v not in (None, [])},
    )


def anpo_events(page: AnpoPage, url: str) -> list[ChangeEvent]:
    events = []
    for row in page.rows:
        target = row.url or url
        digest = hashlib.sha256((row.url or row.text).encode()).hexdigest()[:12]
        ident = release_id(row.url) if row.url else None
        found = classify(row.text)
        data: dict[str, Any] = {
            "page": "anpo",
            "category": row.category or None,
            "topics": list(found.topics),
            "relevance": found.relevance,
            "keywords": list(found.terms),
        }
        events.append(
            ChangeEvent(
                source=Meti.name,
                kind=EventKind.RELEASE_PUBLISHED,
                key=meti_anpo_key(row.published_on.isoformat(), digest),
                title=row.text,
                summary=f"安全保障貿易管理 新着情報 ({row.category})" if row.category else None,
                url=target,
                published_on=row.published_on,
                related_key=meti_release_key(ident[0]) if ident else None,
                data={k: v for k, v in data.items() if v not in (None, [])},
            )
        )
    if page.last_updated:
        stamp = page.last_updated.isoformat()
        events.append(
            ChangeEvent(
                source=Meti.name,
                kind=EventKind.RELEASE_PUBLISHED,
                key=meti_anpo_key("updated", stamp),
                title=f"METI security export control page (安全保障貿易管理) updated on {stamp}",
                summary=f"最終更新日：{page.last_updated.year}年{page.last_updated.month}月"
                f"{page.last_updated.day}日",
                url=url,
                published_on=page.last_updated,
                data={"page": "anpo", "last_updated": stamp, "topics": ["export_control"]},
            )
        )
    return events


def announced_edition(
    edition: date, effective_on: date | None, url: str | None, facts: dict[str, Any]
) -> ChangeEvent:
    """The provisional ``list.revised`` event of an edition METI announced but nobody imported."""
    stamp = edition.isoformat()
    total = facts.get("announced_total")
    size = ""
    if total:
        change = facts.get("announced_change")
        size = f": {total} entities in {facts.get('announced_countries')} countries/regions"
        size += f" ({change:+d})" if isinstance(change, int) else ""
    applied = f", applied from {effective_on}" if effective_on else ""
    pdfs = facts.get("pdf_urls") or []
    return ChangeEvent(
        source=Meti.name,
        kind=EventKind.LIST_REVISED,
        key=edition_key(edition),
        title=f"METI End User List (外国ユーザーリスト): new edition of {stamp} announced",
        summary=(
            f"METI published a new End User List edition{applied}{size}. It is not imported "
            f"yet: download {pdfs[0] if pdfs else 'the PDF'} and run "
            f"`regwatch import meti_eul FILE.pdf --edition {stamp}`."
        ),
        url=facts.get("release_url") or url,
        published_on=edition,
        effective_on=effective_on,
        list_code=LIST_CODE,
        data={**facts, "edition": stamp},
        provisional=True,
    )
