"""``regwatch reprocess``: read stored payloads again with today's parser, store the difference.

A parser fix must reach the history of every installation, not only the rules published after
it.  The source re-reads the payload bodies the store kept (:meth:`reparse`, pure), and the
store does what it does for any poll: an event that reads the same is unchanged, one that reads
differently becomes a new revision with its ``changes``, one never read before is new.  So
running it twice changes nothing the second time.

A corrected reading is no second alert: where an earlier revision of the same event matched the
same watch item and a digest already carried that match to a recipient, the new revision's match
is recorded as carried by that same digest (``delivery_match``, not shown), so no digest sends
it again.  A dismissal or acknowledgement carries over as it does for any revision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Protocol, runtime_checkable

from .exceptions import ConfigError
from .model import ChangeEvent, Changes, Payload, Prior, PriorRequest
from .pipeline import match_stage
from .store import Batch, Store
from .store import _reread as reread
from .store._events import load_events, load_heads
from .timeutil import utcnow

__all__ = ["Reparsable", "ReprocessResult", "entity_parser_notice", "reprocess"]


@runtime_checkable
class Reparsable(Protocol):
    """A source whose stored payloads can be read again (the Federal Register's rules)."""

    name: str
    reparse_roles: tuple[str, ...]

    def prior_request(self) -> PriorRequest: ...

    def reparse_keys(self, payloads: Sequence[Payload]) -> list[str]: ...

    def reparse(
        self,
        payloads: Sequence[Payload],
        prior: Prior,
        documents: Mapping[str, ChangeEvent],
        *,
        earlier: Sequence[ChangeEvent] = (),
        document: str | None = None,
    ) -> Changes: ...


@dataclass
class ReprocessResult:
    """What one ``regwatch reprocess`` did."""

    source: str
    #: stored payloads read again
    payloads: int = 0
    new_ids: list[int] = field(default_factory=list)
    revised_ids: list[int] = field(default_factory=list)
    unchanged: int = 0
    #: matches of corrected readings recorded as already sent (no second e-mail)
    carried: int = 0
    #: events an earlier reading produced that today's reading no longer does (kept as they
    #: are: the history is never rewritten; shown so that a reader can judge them)
    not_read_again: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _stored_payloads(
    store: Store, source: str, roles: Sequence[str], since: date | None
) -> list[Payload]:
    """The kept bodies of ``source``'s payloads of ``roles``, oldest first."""
    start = datetime.combine(since, time(), UTC) if since is not None else None
    with store.read() as conn:
        return reread.kept_payloads(conn, source, roles, start)


def reprocess(
    store: Store, source: Any, *, since: date | None = None, document: str | None = None
) -> ReprocessResult:
    """Read ``source``'s stored payloads (fetched on or after ``since``; only ``document`` when
    given) with today's parser and store what reads differently.

    :raises ConfigError: the source keeps nothing that can be read again.
    """
    if not isinstance(source, Reparsable):
        raise ConfigError(
            f"source {source.name!r} has nothing to reprocess: only the Federal Register's "
            "rules are read again (regwatch reprocess federal_register)"
        )
    result = ReprocessResult(source.name)
    payloads = _stored_payloads(store, source.name, source.reparse_roles, since)
    result.payloads = len(payloads)
    if not payloads:
        return result
    prior = store.prior(source.name, source.prior_request())
    keys = source.reparse_keys(payloads)
    with store.read() as conn:
        heads = load_heads(conn, keys)
        documents = load_events(conn, [h.event_id for h in heads.values()])
        earlier = load_events(conn, reread.entity_heads(conn, keys).values())
    changes = source.reparse(
        payloads,
        prior,
        {e.key: e for e in documents.values()},
        earlier=list(earlier.values()),
        document=document,
    )
    result.warnings = changes.warnings
    gone = _not_read_again(store, [e for _, e in changes.events])
    result.not_read_again = sorted(gone)
    # A party that only an earlier misreading put on a list (its latest event is that reading)
    # is no longer listed; its events stay in the history.
    misread = set(gone.values())
    changes.listed.remove += [e.key for e in prior.listed.values() if e.event_id in misread]
    stored = store.save_batch(
        Batch(
            source=source.name,
            payloads=[],
            changes=changes,
            started_at=utcnow(),
            warnings=changes.warnings,
            imported=True,
        )
    )
    if changes.cursor is not None:
        before = prior.state.cursor
        changed = set(changes.cursor) | set(before)
        patch = {
            k: changes.cursor.get(k) for k in changed if changes.cursor.get(k) != before.get(k)
        }
        if patch:
            store.merge_cursor(source.name, patch)
    result.new_ids, result.revised_ids = stored.new_ids, stored.revised_ids
    result.unchanged = stored.unchanged
    match_stage(store)
    result.carried = carry_deliveries(store, stored.revised_ids)
    return result


def _not_read_again(store: Store, events: Sequence[ChangeEvent]) -> dict[str, int]:
    """Entity event keys (and head event ids) of the re-read rules that the new reading does
    not produce."""
    related = {e.related_key for e in events if e.related_key and e.entity is not None}
    related |= {e.key for e in events if e.entity is None}
    produced = {e.key for e in events}
    with store.read() as conn:
        heads = reread.entity_heads(conn, related)
    return {key: event_id for key, event_id in heads.items() if key not in produced}


def carry_deliveries(store: Store, event_ids: Sequence[int]) -> int:
    """Record the matches of the revisions ``event_ids`` as carried by the digests that
    already carried an earlier revision's match of the same watch item; returns how many."""
    if not event_ids:
        return 0
    with store.write() as conn:
        return reread.carry_deliveries(conn, event_ids)


def entity_parser_notice(store: Store, version: int) -> str | None:
    """A line for ``regwatch init``: how many stored rules an older entity parser read, and what
    to run; ``None`` when every stored rule was read by ``version``."""
    with store.read() as conn:
        heads = load_heads(conn, sorted(reread.rule_keys(conn)))
        documents = load_events(conn, [h.event_id for h in heads.values()])
        count = reread.event_count(conn)
    older = 0
    for event in documents.values():
        extraction = event.data.get("extraction")
        read_by = extraction.get("parser", 1) if isinstance(extraction, dict) else 1
        if not isinstance(read_by, int) or read_by < version:
            older += 1
    if not older or not count:
        return None
    rules = "rule was" if older == 1 else "rules were"
    return (
        f"the Entity List rule parser changed (now version {version}): {older} stored {rules} "
        "read by an older version; run `regwatch reprocess federal_register` to read them "
        "again (only what reads differently is stored, and no e-mail is sent twice)"
    )
