"""A whole list read again, compared with the list as last read: pure, for any full-list source.

Sources that read a complete list each time (Japan's MOF workbook, METI's Russia lists) turn it
into :class:`ListedParty` values and hand them, with the entries they kept from the last read, to
:func:`diff_list`.  It gives:

- on the first read of a list, one ``list.revised`` baseline event (no ``entity.added`` flood:
  a party already listed when regwatch starts watching is not news);
- afterwards ``entity.added`` / ``entity.revised`` / ``entity.removed`` per party, a revision
  carrying ``changes`` (field → ``[old, new]``);
- the shrink guard: a read that would remove more than ``max_shrink`` of a list is refused with
  :class:`~regwatch.exceptions.SnapshotRefused` naming the counts (a truncated file, a page that
  lost a sheet), and nothing of it is stored.

The entries kept between reads are plain JSON (:meth:`ListedParty.to_data`), keyed by the
party's key, with a fingerprint for a quick "did it change?".
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .._entity_names import LIST_TITLES
from ..events import ChangeEvent, Entity, EventKind, canonical_json
from ..exceptions import SnapshotRefused

__all__ = ["Kept", "ListDiff", "ListedParty", "baseline_key", "diff_list", "entity_event"]

#: the fields compared between two reads (and shown in ``changes``)
_COMPARED = ("name", "aliases", "addresses", "country", "details")


@dataclass(frozen=True)
class ListedParty:
    """One party as a full list states it, in every script the list gives."""

    key: str
    list_code: str
    name: str
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    country: str | None = None
    #: list-specific fields: the names in other scripts, programme, notice, identifiers, …
    details: Mapping[str, Any] = field(default_factory=dict)
    #: the date the list gives for the listing (its notice date), if any
    listed_on: date | None = None
    #: where the party was read (``sheet '28.ロシア連邦' row 7``), for error messages
    where: str = field(default="", compare=False)

    def to_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "aliases": list(self.aliases),
            "addresses": list(self.addresses),
            "country": self.country,
            "details": dict(self.details),
            "listed_on": self.listed_on.isoformat() if self.listed_on else None,
        }

    @classmethod
    def from_data(cls, key: str, list_code: str, data: Mapping[str, Any]) -> ListedParty:
        listed_on = data.get("listed_on")
        return cls(
            key=key,
            list_code=list_code,
            name=str(data.get("name") or ""),
            aliases=tuple(data.get("aliases") or ()),
            addresses=tuple(data.get("addresses") or ()),
            country=data.get("country"),
            details=dict(data.get("details") or {}),
            listed_on=date.fromisoformat(listed_on) if listed_on else None,
        )

    @property
    def fingerprint(self) -> str:
        compared = {k: v for k, v in self.to_data().items() if k in _COMPARED}
        return hashlib.sha256(canonical_json(compared).encode()).hexdigest()[:32]

    def entity(self) -> Entity:
        return Entity(
            name=self.name, aliases=self.aliases, addresses=self.addresses, details=self.details
        )


@dataclass(frozen=True)
class Kept:
    """An entry as the last accepted read left it."""

    list_code: str
    fingerprint: str
    data: Mapping[str, Any]


@dataclass
class ListDiff:
    """What one read of one list changes."""

    events: list[ChangeEvent] = field(default_factory=list)
    #: the entries to keep for the next read (the whole list as now read)
    entries: dict[str, ListedParty] = field(default_factory=dict)
    added: int = 0
    revised: int = 0
    removed: int = 0
    baseline: bool = False


def baseline_key(source: str, list_code: str, part: str = "") -> str:
    """The key of a list's baseline event (``part``: one of several files of one list)."""
    suffix = f":{part.rstrip(':')}" if part else ""
    return f"{source}:baseline:{list_code.lower()}{suffix}"


_VERBS = {
    EventKind.ENTITY_ADDED: "added to",
    EventKind.ENTITY_REVISED: "entry revised on",
    EventKind.ENTITY_REMOVED: "removed from",
}


def entity_event(
    source: str,
    kind: EventKind,
    party: ListedParty,
    *,
    url: str | None,
    title_suffix: str = "",
    changes: Mapping[str, Sequence[Any]] | None = None,
    published_on: date | None = None,
    data: Mapping[str, Any] | None = None,
) -> ChangeEvent:
    """The event of one party added to, revised on or removed from its list."""
    list_title = LIST_TITLES.get(party.list_code, party.list_code)
    place = f" ({party.country})" if party.country else ""
    return ChangeEvent(
        source=source,
        kind=kind,
        key=party.key,
        title=f"{party.name}: {_VERBS[kind]} the {list_title}{place}{title_suffix}",
        url=url,
        published_on=published_on,
        effective_on=party.listed_on if kind == EventKind.ENTITY_ADDED else None,
        list_code=party.list_code,
        country=party.country,
        entity=party.entity(),
        changes=changes,
        data={"entity_key": party.key, **(data or {})},
    )


def _changes(old: ListedParty, new: ListedParty) -> dict[str, list[Any]]:
    a, b = old.to_data(), new.to_data()
    out: dict[str, list[Any]] = {}
    for name in _COMPARED:
        if name == "details":
            for sub in sorted(set(a["details"]) | set(b["details"])):
                if a["details"].get(sub) != b["details"].get(sub):
                    out[f"entity.{sub}"] = [a["details"].get(sub), b["details"].get(sub)]
        elif a[name] != b[name]:
            out[name if name == "country" else f"entity.{name}"] = [a[name], b[name]]
    return out


def diff_list(
    source: str,
    list_code: str,
    kept: Mapping[str, Kept],
    parties: Sequence[ListedParty],
    *,
    url: str | None,
    max_shrink: float,
    what: str,
    data: Mapping[str, Any] | None = None,
    part: str = "",
) -> ListDiff:
    """The events of reading ``list_code`` again as ``parties``.

    :param kept: the entries of this list (and only this list) as last read; empty on the
        first read, which gives the baseline.
    :param what: how the list is named in messages (``the MOF workbook``).
    :param data: extra fields for every event (the snapshot's SHA-256, the edition date).
    :param part: when a list comes in several files (METI's Russia lists), the part read (its
        key prefix): the baseline and the shrink guard are per part.
    :raises SnapshotRefused: when the read would remove more than ``max_shrink`` of the list.
    """
    extra = dict(data or {})
    new = {p.key: p for p in parties}
    result = ListDiff(entries=new)
    if not kept:
        result.baseline = True
        title = LIST_TITLES.get(list_code, list_code)
        result.events.append(
            ChangeEvent(
                source=source,
                kind=EventKind.LIST_REVISED,
                key=baseline_key(source, list_code, part),
                title=f"{title}: {len(new):,} current entries recorded as the baseline ({what})",
                summary="The first read of this list: its entries are screened from now on; "
                "changes in later reads are reported entry by entry.",
                url=url,
                list_code=list_code,
                data={"entries": len(new), **extra},
            )
        )
        return result
    removed = sorted(k for k in kept if k not in new)
    before = len(kept)
    if before and (len(removed) / before > max_shrink or (before - len(new)) / before > max_shrink):
        raise SnapshotRefused(
            f"{what}: {list_code} would shrink from {before} to {len(new)} entries "
            f"({len(removed)} removed, more than {max_shrink:.0%}); a truncated or partial "
            "list? Nothing was stored. Raise max_shrink for one poll to accept a real mass "
            "removal."
        )
    for key in sorted(new):
        party = new[key]
        old_kept = kept.get(key)
        if old_kept is None:
            result.events.append(
                entity_event(source, EventKind.ENTITY_ADDED, party, url=url, data=extra)
            )
            result.added += 1
        elif old_kept.fingerprint != party.fingerprint:
            old = ListedParty.from_data(key, list_code, old_kept.data)
            changes = _changes(old, party)
            if not changes:
                continue
            result.events.append(
                entity_event(
                    source, EventKind.ENTITY_REVISED, party, url=url, changes=changes, data=extra
                )
            )
            result.revised += 1
    for key in removed:
        old = ListedParty.from_data(key, list_code, kept[key].data)
        result.events.append(
            entity_event(source, EventKind.ENTITY_REMOVED, old, url=url, data=extra)
        )
        result.removed += 1
    return result
