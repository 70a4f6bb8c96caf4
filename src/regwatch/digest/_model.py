"""What a digest is made of: the recipient, the period, and the matched events, best first."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..events import StoredEvent
from ._schedule import Period
from ._severity import Severity, item_severity, parse_override, severity_of

__all__ = ["Digest", "Item", "Reason", "RecipientInfo", "compose", "rank_key"]

TIER_ORDER = {"alert": 0, "review": 1}
#: entity events before list revisions before documents before releases: what touches a
#: named counterparty first (issue 5: "alerts before reviews, entity events before documents")
KIND_ORDER = {
    "entity.added": 0,
    "entity.revised": 1,
    "entity.removed": 2,
    "listing.lagging": 2,
    "listing.stale_removal": 2,
    "listing.unannounced": 2,
    "listing.disagreement": 2,
    "listing.resolved": 3,
    "list.revised": 3,
    "document.published": 4,
    "document.withdrawn": 5,
    "document.corrected": 6,
    "release.published": 7,
}


@dataclass(frozen=True)
class RecipientInfo:
    """A recipient row, with its company's name; ``id`` is ``None`` for a company preview."""

    id: int | None
    company_id: int
    company: str
    email: str
    cadence: str = "immediate"
    at: str = "08:00"
    timezone: str = "UTC"
    weekday: str = "mon"
    min_tier: str = "review"
    sources: tuple[str, ...] | None = None
    #: what to do with *info* items: ``full``, ``collapse`` (one line each) or ``omit``
    info: str = "full"
    #: ``email``, ``webhook`` or ``chat`` (see :mod:`regwatch.digest._channels`)
    channel: str = "email"
    #: the webhook or chat URL (empty for e-mail)
    target: str = ""
    #: channel options: ``secret_env`` and ``body`` for webhooks
    options: Mapping[str, Any] = field(default_factory=dict)
    #: the token of the one-click unsubscribe link
    unsubscribe_token: str | None = None

    def accepts(self, tier: str, source: str, severity: Severity | None = None) -> bool:
        """Whether a match of this tier, source and severity belongs in this recipient's
        digests."""
        if self.min_tier == "alert" and tier != "alert":
            return False
        if self.info == "omit" and severity is Severity.INFO:
            return False
        return self.sources is None or source in self.sources

    @property
    def destination(self) -> str:
        """Where this recipient's digests go: the address, or the channel's URL."""
        return self.email if self.channel == "email" else self.target

    def schedule(self) -> str:
        """``daily at 08:00 Asia/Tokyo``."""
        if self.cadence == "immediate":
            return "immediately"
        day = f" on {self.weekday.capitalize()}" if self.cadence == "weekly" else ""
        return f"{self.cadence}{day} at {self.at} {self.timezone}"

    def scope(self) -> str:
        """``alerts and reviews, all sources``."""
        tiers = "alerts only" if self.min_tier == "alert" else "alerts and reviews"
        sources = "all sources" if self.sources is None else "sources: " + ", ".join(self.sources)
        return f"{tiers}, {sources}"


@dataclass(frozen=True)
class Reason:
    """One match: which watch item an event touched, where, how strongly, and why."""

    match_id: int
    watch_item_id: int
    watch_kind: str
    watch_value: str
    field: str
    score: float
    tier: str
    status: str
    explanation: Mapping[str, Any]
    #: the watch item's definition (aliases, country, ``role``, ``severity``, …)
    spec: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def severity(self, event_kind: str) -> Severity:
        return severity_of(self.watch_kind, event_kind, self.tier, parse_override(self.spec))


def rank_key(
    tier: str,
    kind: str,
    score: float,
    event: StoredEvent,
    severity: Severity = Severity.INFO,
) -> tuple[Any, ...]:
    """Importance order: by severity, then alerts first, entity events first, higher scores,
    newer, then id."""
    published = event.event.published_on
    return (
        severity.rank,
        TIER_ORDER.get(tier, 9),
        KIND_ORDER.get(kind, 9),
        -score,
        -(published.toordinal() if published else 0),
        event.id,
    )


@dataclass(frozen=True)
class Item:
    """One event in a digest, with every match that brought it there (best first, so the
    first reason carries the item's tier and score).

    ``also`` holds the same party's listings on other lists the same day (a watched party
    added to the SDN List and to Japan's MOF list together is one item naming both lists).
    """

    event: StoredEvent
    reasons: tuple[Reason, ...]
    also: tuple[StoredEvent, ...] = ()

    @property
    def tier(self) -> str:
        return self.reasons[0].tier

    @property
    def score(self) -> float:
        return self.reasons[0].score

    #: the highest level of its matches (sorting, sections and counts ask for it many times
    #: per digest: computed once, when the item is made)
    severity: Severity = field(init=False, repr=False, compare=False)
    #: its place in a digest (:func:`rank_key`)
    rank: tuple[Any, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        kind = str(self.event.event.kind)
        if len(self.reasons) == 1:  # most items
            severity = self.reasons[0].severity(kind)
        else:
            severity = item_severity(r.severity(kind) for r in self.reasons)
        object.__setattr__(self, "severity", severity)
        object.__setattr__(
            self, "rank", rank_key(self.tier, kind, self.score, self.event, severity)
        )


@dataclass(frozen=True)
class Digest:
    """One recipient's digest for one period: ``items`` best first, the first ``shown`` listed
    in full and the rest counted as "+N more"."""

    recipient: RecipientInfo
    period: Period
    title: str
    items: tuple[Item, ...]
    shown: int

    @property
    def listed(self) -> tuple[Item, ...]:
        return self.items[: self.shown]

    @property
    def more(self) -> int:
        return len(self.items) - self.shown

    @property
    def alerts(self) -> int:
        return sum(1 for i in self.items if i.reasons[0].tier == "alert")

    def count(self, level: Severity) -> int:
        return self._counts.get(level, 0)

    @cached_property
    def _counts(self) -> dict[Severity, int]:
        counts: dict[Severity, int] = {}
        for item in self.items:
            counts[item.severity] = counts.get(item.severity, 0) + 1
        return counts

    @property
    def match_ids(self) -> list[int]:
        return sorted(r.match_id for i in self.items for r in i.reasons)

    @property
    def shown_match_ids(self) -> set[int]:
        return {r.match_id for i in self.listed for r in i.reasons}


def _same_day(a: StoredEvent, b: StoredEvent) -> bool:
    """Two listings on "the same day": by the dates the lists give them when both do; a list
    that does not date its entries (METI's Russia lists, OFAC's exports) by the day regwatch
    saw both."""
    day_a = a.event.effective_on or a.event.published_on
    day_b = b.event.effective_on or b.event.published_on
    if day_a is not None and day_b is not None:
        return day_a == day_b
    return a.detected_at.date() == b.detected_at.date()


def _join_listings(items: list[Item]) -> list[Item]:
    """One item for one watched party listed by several lists the same day.

    Two listings are joined when both are additions to different lists, on the same day, and
    matched by the same watch item; the better ranked one leads and names the others.
    """
    out: list[Item] = []
    leads_of: dict[int, list[int]] = {}  # watch item → the listing items it leads
    for item in items:  # best first, so the lead is the best ranked listing
        event = item.event.event
        if str(event.kind) != "entity.added" or not event.list_code:
            out.append(item)
            continue
        lead = next(
            (
                index
                for r in item.reasons
                for index in leads_of.get(r.watch_item_id, ())
                if _same_day(out[index].event, item.event)
                and event.list_code
                not in {e.event.list_code for e in (out[index].event, *out[index].also)}
            ),
            None,
        )
        if lead is None:
            for reason in item.reasons:
                leads_of.setdefault(reason.watch_item_id, []).append(len(out))
            out.append(item)
            continue
        joined = out[lead]
        out[lead] = Item(joined.event, joined.reasons + item.reasons, (*joined.also, item.event))
    return out


def _reason_rank(reason: Reason, event: StoredEvent) -> tuple[int, int, float]:
    severity = reason.severity(str(event.event.kind))
    return (severity.rank, TIER_ORDER.get(reason.tier, 9), -reason.score)


def compose(
    recipient: RecipientInfo,
    period: Period,
    title: str,
    matches: Iterable[tuple[Reason, StoredEvent]],
    max_items: int,
    shown_ids: set[int] | None = None,
) -> Digest:
    """Group ``matches`` by event, order the items by importance, and cap them at ``max_items``.

    :param shown_ids: the matches a stored delivery listed in full; they stay the listed ones
        even if the cap or the scores changed since the delivery was written.
    """
    by_event: dict[int, tuple[StoredEvent, list[Reason]]] = {}
    for reason, event in matches:
        by_event.setdefault(event.id, (event, []))[1].append(reason)
    items = [
        Item(event, tuple(sorted(reasons, key=lambda r: _reason_rank(r, event))))
        for event, reasons in by_event.values()
    ]
    items.sort(key=lambda i: i.rank)
    items = _join_listings(items)
    if shown_ids is None:
        return Digest(recipient, period, title, tuple(items), min(len(items), max_items))
    listed = [i for i in items if any(r.match_id in shown_ids for r in i.reasons)]
    rest = [i for i in items if not any(r.match_id in shown_ids for r in i.reasons)]
    return Digest(recipient, period, title, tuple(listed + rest), len(listed))
