"""Three views of the Entity List and the MEU List, reconciled: the Federal Register rule, the
codified text (eCFR) and the Consolidated Screening List.

An Entity List change exists in three places at three times.  For every listing (a party under
one destination on one list) this package joins what each view shows (:mod:`._join`), tells when
each first showed its current state, and reports where they disagree or lag
(:mod:`._findings`): ``listing.lagging``, ``listing.unannounced``, ``listing.stale_removal``,
``listing.disagreement``, each an event that flows through matching and digests like any other
change, closed by ``listing.resolved`` when the views agree again.

:func:`reconcile_store` computes the findings from the store; :func:`record_findings` stores the
events for new and resolved ones (the poll pipeline calls it after each poll of the
``federal_register``, ``ecfr`` or ``csl`` source).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ..events import ChangeEvent
from ..timeutil import utcnow
from ._findings import (
    FINDING_KINDS,
    Finding,
    Views,
    deadline,
    finding_events,
    reconcile_listings,
    status_line,
)
from ._join import VIEW_NAMES, VIEWS, Listing, Sighting, join_views
from ._settings import ReconcileSettings
from ._views import load_views, open_findings

if TYPE_CHECKING:
    from ..model import StoredEvent
    from ..store import Store

__all__ = [
    "FINDINGS_STATE",
    "FINDING_KINDS",
    "RECONCILED_SOURCES",
    "VIEWS",
    "VIEW_NAMES",
    "Finding",
    "Listing",
    "ReconcileSettings",
    "Reconciliation",
    "Sighting",
    "Views",
    "deadline",
    "extraction_faults",
    "finding_events",
    "join_views",
    "reconcile_listings",
    "reconcile_store",
    "record_findings",
    "status_line",
]

log = logging.getLogger("regwatch.reconcile")

#: a poll of one of these may change a view
RECONCILED_SOURCES = frozenset({"federal_register", "ecfr", "csl"})


@dataclass
class Reconciliation:
    """Every listing, the findings that hold now, and the events that record them."""

    listings: list[Listing]
    findings: list[Finding]
    views: Views
    #: open findings before this run (event key → kind)
    open_before: dict[str, str]
    events: list[ChangeEvent] = field(default_factory=list)


def reconcile_store(
    store: Store, settings: ReconcileSettings, now: datetime | None = None
) -> Reconciliation:
    """The findings at ``now`` (default: the current time), read-only."""
    moment = now or utcnow()
    with store.read() as conn:
        data = load_views(conn, settings.lists)
        already = open_findings(conn)
    listings = join_views(data.sightings)
    findings = reconcile_listings(listings, data.views, moment, settings)
    events = finding_events(findings, already, data.views, {x.key: x for x in listings})
    return Reconciliation(listings, findings, data.views, already, events)


#: the state row that remembers the last unannounced finding reported to ops
FINDINGS_STATE = "reconcile"


def extraction_faults(store: Store, after_id: int = 0) -> list[StoredEvent]:
    """Open ``listing.unannounced`` findings (the newest version of each key), oldest first:
    changes a view shows that no rule regwatch read announces, each a possible extraction
    fault of regwatch."""
    from ..store import EventQuery

    latest: dict[str, StoredEvent] = {}
    for stored in sorted(store.events(EventQuery(sources=("reconcile",))), key=lambda e: e.id):
        latest[stored.event.key] = stored
    return [
        e for e in latest.values() if str(e.event.kind) == "listing.unannounced" and e.id > after_id
    ]


def record_findings(
    store: Store, settings: ReconcileSettings, now: datetime | None = None
) -> Reconciliation:
    """Reconcile and store the events of new and resolved findings."""
    result = reconcile_store(store, settings, now)
    if result.events:
        stored = store.record_events(result.events)
        log.info(
            "reconcile: %d new finding event(s), %d revised",
            len(stored.new_ids),
            len(stored.revised_ids),
        )
    return result
