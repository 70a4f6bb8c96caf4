"""What digests are made of: recipients, their undelivered matches, the events.

"Undelivered" means: not carried by any delivery for that recipient yet (whatever its status: a
failed delivery is retried as it was written, never rebuilt).  A match belongs in a recipient's
digest when it is not dismissed, its watch item is active, its tier is at least the recipient's
``min_tier``, and its event's source is among the recipient's ``sources`` (all when null).
The store reads the rows; what a recipient's settings accept is decided here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..events import StoredEvent
from ..store import Connection
from ..store._digest_matches import (
    OpenMatch,
    company_open_matches,
    digest_matches,
    open_matches,
)
from ..store._recipients import active_recipients, find_company
from ._model import Reason, RecipientInfo
from ._severity import Severity, parse_override, severity_of

__all__ = [
    "Candidate",
    "candidates",
    "company_candidates",
    "find_company",
    "load_matches",
    "recipients",
]


def recipients(
    conn: Connection, *, company_id: int | None = None, email: str | None = None
) -> list[RecipientInfo]:
    """Active recipients (of one company, or of all), in a stable order."""
    return [
        RecipientInfo(**row._asdict())
        for row in active_recipients(conn, company_id=company_id, email=email)
    ]


@dataclass(frozen=True, slots=True)
class Candidate:
    """An open match of a recipient's company, with what eligibility is decided on."""

    match_id: int
    tier: str
    source: str
    created_at: datetime


def candidates(conn: Connection, people: Sequence[RecipientInfo]) -> dict[int, list[Candidate]]:
    """For each recipient, the matches that no delivery for them carries yet and that their
    tier and source settings accept, oldest first."""
    out: dict[int, list[Candidate]] = {}
    info: dict[int, RecipientInfo] = {}
    for person in people:
        assert person.id is not None
        out[person.id] = []
        info[person.id] = person
    for row in open_matches(conn, list(info)):
        assert row.recipient_id is not None
        person = info[row.recipient_id]
        # the level only matters to a recipient who leaves info items out
        level = _severity(row) if person.info == "omit" else None
        if person.accepts(row.tier, row.source, level):
            out[row.recipient_id].append(_candidate(row))
    return out


def _severity(row: OpenMatch) -> Severity:
    override = parse_override({"severity": row.severity_override})
    return severity_of(row.watch_kind, row.event_kind, row.tier, override)


def _candidate(row: OpenMatch) -> Candidate:
    return Candidate(row.match_id, row.tier, row.source, row.created_at)


def company_candidates(conn: Connection, company_id: int) -> list[Candidate]:
    """A company's open matches that no delivery to any of its recipients carries yet."""
    return [_candidate(row) for row in company_open_matches(conn, company_id)]


def load_matches(
    conn: Connection, match_ids: Iterable[int]
) -> dict[int, tuple[Reason, StoredEvent]]:
    """The matches with their watch items and events, by match id."""
    matches, events = digest_matches(conn, match_ids)
    return {
        mid: (
            Reason(
                m.match_id,
                m.watch_item_id,
                m.watch_kind,
                m.watch_value,
                m.field,
                m.score,
                m.tier,
                m.status,
                m.explanation,
                m.spec,
            ),
            events[m.event_id],
        )
        for mid, m in sorted(matches.items())
    }
