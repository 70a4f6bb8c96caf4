"""Ops notices: tell the operator once when a source breaks or goes stale, once when it recovers,
and once when a poll stores a rule whose entity changes regwatch could not fully read.

Never one message per failure: the notice in force is kept in the source's state
(``source_state.ops_notice``), and a new one is only sent on a change of state.  A rule not
fully read is told about when the poll that stores it (or a changed reading of it) runs; an
unchanged rule is not stored again, so it is not told again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ._extraction import describe_extraction
from .health import SourceHealth
from .model import StoredEvent

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .model import StoredEvent

__all__ = [
    "Notice",
    "OpsSettings",
    "decide_notice",
    "extraction_notice",
    "fault_line",
    "findings_notice",
    "notify",
]

log = logging.getLogger("regwatch.ops")


class OpsSettings(BaseModel):
    """The ``ops`` section of ``sources.yaml``."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(
        None, description="address that gets source failure, staleness and recovery notices"
    )

    @field_validator("email")
    @classmethod
    def _one_address(cls, value: str | None) -> str | None:
        # an address with CR/LF or a second address would fail at every notice, forever
        if value is not None:
            from .digest._settings import parse_address

            parse_address(value, "ops.email")
        return value

    failure_threshold: int = Field(
        3, ge=1, description="consecutive failed polls before a source is reported as failing"
    )


@dataclass(frozen=True)
class Notice:
    """One message to ops, and the notice state it leaves in force (``None``: all clear)."""

    source: str
    kind: str
    subject: str
    body: str
    in_force: str | None


def decide_notice(health: SourceHealth, in_force: str | None, threshold: int) -> Notice | None:
    """The notice to send for ``health`` given the notice already ``in_force``, if any."""
    name = health.name
    broken = health.status in ("failing", "blocked") and health.consecutive_failures >= threshold
    if broken and in_force is None:
        what = "is blocked by the server" if health.status == "blocked" else "is failing"
        return Notice(
            name,
            health.status,
            f"[regwatch] source {name} {what} ({health.consecutive_failures} polls in a row)",
            f"The source {name} {what}: {health.consecutive_failures} consecutive polls failed.\n"
            f"Last error: {health.last_error}\nLast success: {health.last_success_at or 'never'}\n"
            "regwatch keeps retrying with backoff; you get one more message when it recovers.\n"
            "Check with: regwatch sources",
            health.status,
        )
    if health.status == "stale" and in_force is None:
        return Notice(
            name,
            "stale",
            f"[regwatch] source {name} is stale",
            f"The source {name} answers, but its newest item is from {health.newest_item_on}, "
            "older than its stale_after setting. The source may have moved or stopped "
            "publishing.\nCheck with: regwatch sources",
            "stale",
        )
    if health.status == "ok" and in_force is not None:
        return Notice(
            name,
            "recovered",
            f"[regwatch] source {name} recovered",
            f"The source {name} is healthy again (it was {in_force}).",
            None,
        )
    return None


def notify(
    health: SourceHealth,
    in_force: str | None,
    settings: OpsSettings,
    send: Callable[[str, str, str], None],
    record: Callable[[str | None], None],
) -> bool:
    """Send the notice ``health`` calls for, if any, then ``record`` the new state.

    The state is recorded only after the message was handed over, so a failed send is retried
    on the next poll rather than lost.  Returns whether a message was sent.
    """
    notice = decide_notice(health, in_force, settings.failure_threshold)
    if notice is None or settings.email is None:
        return False
    send(settings.email, notice.subject, notice.body)
    record(notice.in_force)
    log.info("ops notice sent", extra={"source": health.name, "notice": notice.kind})
    return True


# -- reconciliation: possible extraction faults ------------------------------------------------


def fault_line(stored: StoredEvent) -> str:
    """``Omega Lasers Co., Ltd. (EL, CN): the CSL added it …; rule: FR Doc. 2026-24002``."""
    event = stored.event
    name = event.entity.name if event.entity else event.title
    detail = str(event.data.get("detail") or event.summary or "")
    rule = event.data.get("rule_document")
    named = f"; rule: FR Doc. {rule}" if rule else ""
    return f"{name} ({event.list_code}, {event.country or '-'}): {detail}{named}"


def findings_notice(faults: Sequence[StoredEvent]) -> Notice | None:
    """One message for new unannounced findings (changes a view shows that no rule regwatch
    read announces), naming each listing and rule; ``in_force`` is the newest event id."""
    if not faults:
        return None
    lines = "\n".join(f"- {fault_line(f)}" for f in faults)
    return Notice(
        "reconcile",
        "unannounced",
        f"[regwatch] {len(faults)} listing change(s) no rule announced: possible extraction "
        "fault(s)",
        "A view of the Entity List shows a change that no Federal Register rule regwatch read "
        "explains.  Either regwatch missed or misread the rule (an extraction fault: check the "
        "rule named below, or the rule at the cited page), or the view is in error.\n\n"
        f"{lines}\n\nCheck with: regwatch reconcile",
        str(max(f.id for f in faults)),
    )


def extraction_notice(
    source: str, stored: Sequence[tuple[StoredEvent, StoredEvent | None]]
) -> Notice | None:
    """One notice for the rules a poll stored that regwatch could not fully read.

    :param stored: each event the poll stored (new or revised), with the revision it replaced.
        A rule is told about once: when its reading first becomes partial or failed, or changes;
        a later poll that stores it unchanged stores nothing, so says nothing.
    """
    lines = []
    for event, before in stored:
        extraction = event.event.data.get("extraction")
        if not isinstance(extraction, dict):
            continue
        note = describe_extraction(extraction)
        previous = before.event.data.get("extraction") if before is not None else None
        if note is None or extraction.get("status") == "pending" or previous == extraction:
            continue
        number = event.event.document_number or event.event.key
        lines.append(f"- {number}: {event.event.title}\n  {note}: {event.event.url or '(no link)'}")
        lines += [f"  {d}" for d in extraction.get("disagreements") or []][:10]
    if not lines:
        return None
    count = sum(1 for line in lines if line.startswith("- "))
    rules = "rule" if count == 1 else "rules"
    return Notice(
        source,
        "extraction",
        f"[regwatch] {source}: {count} {rules} not fully read",
        f"regwatch stored {count} {rules} whose Entity List changes it could not fully read. "
        "Each is stored and marked (regwatch show, the digests say so); read the rule itself:\n\n"
        + "\n".join(lines)
        + "\n\nAfter an upgrade that reads them, run: regwatch reprocess "
        + source,
        None,
    )
