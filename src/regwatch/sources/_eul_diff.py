"""One End User List edition against the list as it stood before it: the change events.

Pure: the previous state comes in as a mapping, the events go out.  An entity's identity is its
country and its name (NFKC, case and punctuation folded), never its No., because METI renumbers
the whole list in every edition.  Aliases are compared as a set (reordering them is no change);
the name as written, the country names and the type of concern (B, C, M, N, CW) are compared as
they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..events import ChangeEvent, Entity, EventKind
from ..exceptions import InputError
from ..japanese import name_key
from ..keys import eul_edition_key, eul_entry_key
from ._eul_table import EulRow

__all__ = ["LIST_CODE", "Edition", "Listing", "edition_events", "edition_key", "entity_key"]

LIST_CODE = "JP-EUL"
SOURCE = "meti_eul"


def edition_key(edition: date) -> str:
    """The key of an edition's ``list.revised`` event (shared with the ``meti`` poller, whose
    provisional event for a newly announced edition is replaced when the edition is imported)."""
    return eul_edition_key(edition)


def entity_key(country: str | None, country_en: str, name: str) -> str:
    where = country.lower() if country else f"x-{name_key(country_en)}"
    return eul_entry_key(where, name_key(name))


@dataclass(frozen=True)
class Listing:
    """An entity as the list states it."""

    name: str
    aliases: tuple[str, ...]
    country: str | None
    country_en: str
    country_ja: str
    concerns: tuple[str, ...]

    @property
    def key(self) -> str:
        return entity_key(self.country, self.country_en, self.name)

    @classmethod
    def from_row(cls, row: EulRow) -> Listing:
        return cls(row.name, row.aliases, row.country, row.country_en, row.country_ja, row.concerns)

    @classmethod
    def from_event(cls, event: ChangeEvent) -> Listing:
        assert event.entity is not None
        details = event.entity.details
        return cls(
            event.entity.name,
            tuple(event.entity.aliases),
            event.country,
            str(details.get("country_name") or ""),
            str(details.get("country_name_ja") or ""),
            tuple(details.get("type_of_concern") or ()),
        )

    def entity(self) -> Entity:
        return Entity(
            name=self.name,
            aliases=self.aliases,
            details={
                "country_name": self.country_en,
                "country_name_ja": self.country_ja,
                "type_of_concern": list(self.concerns),
            },
        )

    def changes_to(self, new: Listing) -> dict[str, list[Any]]:
        """``{"entity.<field>": [old, new]}`` for every field that differs."""
        out: dict[str, list[Any]] = {}
        if self.name != new.name:
            out["entity.name"] = [self.name, new.name]
        if set(self.aliases) != set(new.aliases):
            out["entity.aliases"] = [list(self.aliases), list(new.aliases)]
        if self.concerns != new.concerns:
            out["entity.type_of_concern"] = [list(self.concerns), list(new.concerns)]
        if (self.country_en, self.country_ja) != (new.country_en, new.country_ja):
            out["entity.country_name"] = [
                f"{self.country_ja} {self.country_en}".strip(),
                f"{new.country_ja} {new.country_en}".strip(),
            ]
        return out


@dataclass(frozen=True)
class Edition:
    """An edition and what is known about it from METI's release (through the ``meti`` poller)."""

    published_on: date
    effective_on: date | None = None
    url: str | None = None
    #: release facts carried over: ``release_url``, ``pdf_urls``, ``announced_total``, …
    release: Mapping[str, Any] = field(default_factory=dict)


def _where(listing: Listing) -> str:
    return listing.country_en or listing.country_ja or "unknown country"


def _concerns(listing: Listing) -> str:
    return ", ".join(listing.concerns) or "none"


def _entity_event(
    kind: EventKind,
    before: Listing | None,
    after: Listing | None,
    edition: Edition,
    extra: Mapping[str, Any],
) -> ChangeEvent:
    listing = after or before
    assert listing is not None
    date_text = edition.published_on.isoformat()
    if kind is EventKind.ENTITY_ADDED:
        title = f"Added to METI End User List: {listing.name} ({_where(listing)})"
        summary = (
            f"{listing.name} ({listing.country_ja} {listing.country_en}) is on METI's End User "
            f"List (外国ユーザーリスト) from the edition of {date_text}; type of concern: "
            f"{_concerns(listing)}."
        )
        changes = None
    elif kind is EventKind.ENTITY_REMOVED:
        title = f"Removed from METI End User List: {listing.name} ({_where(listing)})"
        summary = (
            f"{listing.name} ({listing.country_ja} {listing.country_en}) is no longer on METI's "
            f"End User List in the edition of {date_text}."
        )
        changes = None
    else:
        assert before is not None and after is not None
        changes = before.changes_to(after)
        title = f"Revised on METI End User List: {listing.name} ({_where(listing)})"
        summary = f"Changed in the edition of {date_text}: " + "; ".join(
            _describe(name, pair) for name, pair in changes.items()
        )
    return ChangeEvent(
        source=SOURCE,
        kind=kind,
        key=listing.key,
        title=title,
        summary=summary,
        url=edition.url,
        published_on=edition.published_on,
        effective_on=edition.effective_on,
        list_code=LIST_CODE,
        country=listing.country,
        entity=listing.entity(),
        changes=changes,
        related_key=edition_key(edition.published_on),
        data={"edition": date_text, **extra},
    )


def _describe(name: str, pair: list[Any]) -> str:
    old, new = pair
    label = name.removeprefix("entity.").replace("_", " ")
    if name == "entity.aliases":
        added = [a for a in new if a not in old]
        gone = [a for a in old if a not in new]
        parts = [f"+{a}" for a in added] + [f"−{a}" for a in gone]
        return f"aliases {', '.join(parts)}"
    if isinstance(old, list):
        return f"{label} {','.join(old) or 'none'} → {','.join(new) or 'none'}"
    return f"{label} {old!r} → {new!r}"


def _transition(old: Listing | None, new: Listing | None) -> EventKind | None:
    if old is None and new is None:
        return None
    if old is None:
        return EventKind.ENTITY_ADDED
    if new is None:
        return EventKind.ENTITY_REMOVED
    return EventKind.ENTITY_REVISED if old.changes_to(new) else None


def target_state(rows: Iterable[EulRow], source: str) -> dict[str, Listing]:
    """The edition as ``{key: listing}``; two rows naming one entity are refused."""
    target: dict[str, Listing] = {}
    where: dict[str, int] = {}
    for row in rows:
        listing = Listing.from_row(row)
        if listing.key in target:
            raise InputError(
                f"{source}: No. {where[listing.key]} and No. {row.no} both list "
                f"{row.name!r} ({row.country_en or row.country_ja})"
            )
        target[listing.key] = listing
        where[listing.key] = row.no
    return target


def edition_events(
    edition: Edition,
    target: Mapping[str, Listing],
    before: Mapping[str, Listing],
    current: Mapping[str, Listing],
    *,
    previous_edition: date | None,
) -> list[ChangeEvent]:
    """Events for ``edition``: entity events for what changed from ``before`` (the list as the
    previous edition left it), then one ``list.revised`` event.

    ``current`` is the list as stored now; it differs from ``before`` only when this edition
    was imported before.  Entries that the earlier import changed but this one does not are
    brought back to this edition's state by events marked ``correction``.
    """
    baseline = previous_edition is None
    events: list[ChangeEvent] = []
    counts = {"added": 0, "removed": 0, "revised": 0}
    for key in sorted(set(before) | set(target) | set(current)):
        old, new = before.get(key), target.get(key)
        kind = _transition(old, new)
        extra: dict[str, Any] = {"baseline": True} if baseline else {}
        if kind is None:
            now = current.get(key)
            kind = _transition(now, new)
            if kind is None:
                continue
            old, extra = now, {**extra, "correction": True}
        else:
            counts[kind.value.removeprefix("entity.")] += 1
        events.append(_entity_event(kind, old, new, edition, extra))
    countries = sorted({listing.country_en or listing.country_ja for listing in target.values()})
    date_text = edition.published_on.isoformat()
    if baseline:
        summary = (
            f"First edition imported: {len(target)} entities in {len(countries)} "
            "countries/regions (every entity is reported as added)."
        )
    else:
        summary = (
            f"Compared with the edition of {previous_edition}: {counts['added']} added, "
            f"{counts['removed']} removed, {counts['revised']} revised."
        )
    data: dict[str, Any] = {
        **edition.release,
        "edition": date_text,
        "previous_edition": previous_edition.isoformat() if previous_edition else None,
        "entities": len(target),
        "countries": len(countries),
        **counts,
    }
    events.append(
        ChangeEvent(
            source=SOURCE,
            kind=EventKind.LIST_REVISED,
            key=edition_key(edition.published_on),
            title=(
                f"METI End User List (外国ユーザーリスト) edition {date_text}: {len(target)} "
                f"entities in {len(countries)} countries/regions"
            ),
            summary=summary,
            url=edition.url,
            published_on=edition.published_on,
            effective_on=edition.effective_on,
            list_code=LIST_CODE,
            data={k: v for k, v in data.items() if v is not None},
        )
    )
    return events
