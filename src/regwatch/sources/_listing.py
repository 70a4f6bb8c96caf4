"""How entity events move the parties currently listed: pure, over the prior's listed entries.

Sources that state changes entry by entry (Federal Register rules, METI's End User List
editions) turn their ``entity.added`` / ``entity.revised`` / ``entity.removed`` events into
:class:`~regwatch.model.ListedChanges` here; the store applies them in the batch's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .._entity_names import normalize_name, same_party_name
from ..model import ChangeEvent, EventKind, ListedChanges, ListedEntry

__all__ = ["entity_listing_changes", "find_listed"]

_ENTITY_KINDS = {EventKind.ENTITY_ADDED, EventKind.ENTITY_REVISED, EventKind.ENTITY_REMOVED}


def find_listed(
    listed: Mapping[str, ListedEntry],
    list_code: str,
    country: str | None,
    name: str,
    *,
    key: str | None = None,
) -> ListedEntry | None:
    """The listed party a rule means by ``name`` under ``country``, or ``None``.

    Tried in order: the exact ``key``; one entry of the list and country whose name or an alias
    is the same party name (:func:`~regwatch.entities.same_party_name`); the same across every
    country of the list.  An ambiguous name (two candidates) finds nothing rather than guess.
    """
    if key is not None and key in listed:
        return listed[key]
    wanted = normalize_name(name)
    if not wanted:
        return None
    code = list_code.upper()
    candidates = sorted(
        (e for e in listed.values() if e.list_code.upper() == code), key=lambda e: e.key
    )
    for scope in (
        [c for c in candidates if (c.country or "").upper() == (country or "").upper()],
        candidates,
    ):
        hits = [c for c in scope if any(same_party_name(name, n) for n in (c.name, *c.aliases))]
        if len(hits) == 1:
            return hits[0]
        exact = [c for c in hits if normalize_name(c.name) == wanted]
        if len(exact) == 1:
            return exact[0]
    return None


def entity_listing_changes(
    events: Iterable[ChangeEvent],
    listed: Mapping[str, ListedEntry],
    warnings: list[str] | None = None,
) -> ListedChanges:
    """``listed_entity`` brought up to date with ``events``, in order.

    - ``entity.added`` and ``entity.revised`` write the event's entity as the row of
      ``data["entity_key"]`` (else the event key); a revision of a party listed under another
      key (found by :func:`find_listed`) rewrites that row instead;
    - ``entity.removed`` deletes the row, found the same way;
    - other kinds are ignored.  Events need ``list_code`` and ``entity``.

    :param warnings: receives a line for every revision or removal of a party not listed.
    """
    current = dict(listed)
    upserts: dict[str, ListedEntry] = {}
    removed: set[str] = set()
    for event in events:
        if event.kind not in _ENTITY_KINDS or not event.entity or not event.list_code:
            continue
        key = str(event.data.get("entity_key") or event.key)
        found: ListedEntry | None = None
        target: str | None = key
        if event.kind != EventKind.ENTITY_ADDED:
            found = find_listed(current, event.list_code, event.country, event.entity.name, key=key)
            target = found.key if found else None
        if target is None:
            if warnings is not None:
                warnings.append(
                    f"{event.kind} {event.entity.name!r} ({event.list_code}, "
                    f"{event.country or '?'}): no such party is currently listed"
                )
            if event.kind == EventKind.ENTITY_REMOVED:
                continue
            target = key
        if event.kind == EventKind.ENTITY_REMOVED:
            current.pop(target, None)
            upserts.pop(target, None)
            removed.add(target)
            continue
        entry = ListedEntry(
            key=target,
            list_code=event.list_code,
            name=event.entity.name,
            aliases=event.entity.aliases,
            addresses=event.entity.addresses,
            country=event.country,
            details=dict(event.entity.details),
            # a revision does not move the date the party was first listed
            listed_on=(found.listed_on if found else None)
            or event.effective_on
            or event.published_on,
            source=event.source,
            event_key=event.key,
        )
        current[target] = entry
        upserts[target] = entry
        removed.discard(target)
    return ListedChanges(upsert=list(upserts.values()), remove=sorted(removed))
