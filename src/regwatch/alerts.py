"""One alert per listing: when a list's event only confirms what another source already said.

A listing usually reaches regwatch more than once: a Federal Register rule announces it, the
codified text and the Consolidated Screening List show it days later; OFAC publishes a
designation that the CSL repeats.  The later view's event about the same party is kept (it is
the record that the view caught up) but marked as *confirming* the first event, and the differ
never alerts a watch item for a confirmation when the confirmed event already alerted it.

This module is that rule, in one place:

- :func:`confirmed_event` decides, from the earlier events about the same party, which one a
  new event confirms;
- :func:`confirms` reads the mark (``data["confirms"]``) back from a stored event.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

from .model import ChangeEvent, EventKind, StoredEvent

__all__ = ["CONFIRMS", "Earlier", "confirmed_event", "confirms"]

#: the ``data`` field that names the event a confirmation repeats
CONFIRMS = "confirms"

#: which kinds of earlier event a new event of each kind repeats (a listing a rule added and a
#: later view shows revised is still the rule's listing)
_REPEATS = {
    EventKind.ENTITY_ADDED: {EventKind.ENTITY_ADDED},
    EventKind.ENTITY_REVISED: {EventKind.ENTITY_REVISED, EventKind.ENTITY_ADDED},
    EventKind.ENTITY_REMOVED: {EventKind.ENTITY_REMOVED},
}


class Earlier(NamedTuple):
    """An earlier event about the same party, from the view that announces first."""

    key: str
    kind: str
    #: the document that made the change (a Federal Register rule), if there is one
    document: str | None


def confirmed_event(
    kind: EventKind,
    earlier: Sequence[Earlier],
    cited: Collection[str],
    *,
    cites_anything: bool,
) -> Earlier | None:
    """The earlier event a new ``kind`` event about the same party repeats, or ``None``.

    :param earlier: events about the party from the announcing view, oldest first.
    :param cited: the documents the new event's entry cites (resolved to document numbers).
    :param cites_anything: the entry cites documents at all (resolved or not).

    The newest earlier event of a matching kind whose document the entry cites wins.  An entry
    that cites nothing, or a removal (an entry that is gone cites nothing any more), repeats the
    newest one.  An entry that cites other documents only is news: it is not a confirmation.
    """
    wanted = {str(k) for k in _REPEATS.get(kind, set())}
    candidates = [e for e in earlier if e.kind in wanted]
    if not candidates:
        return None
    for candidate in reversed(candidates):
        if candidate.document in cited:
            return candidate
    if kind == EventKind.ENTITY_REMOVED or not cites_anything:
        return candidates[-1]
    return None


def confirms(event: ChangeEvent | StoredEvent) -> str | None:
    """The key of the earlier event that ``event`` confirms, or ``None``.

    A digest reports the confirmed event and treats the confirmation as a record, not as a
    second alert.
    """
    if isinstance(event, StoredEvent):
        event = event.event
    value = event.data.get(CONFIRMS)
    return str(value) if value else None
