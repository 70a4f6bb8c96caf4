"""Ops notices: tell the operator once when a source breaks or goes stale, once when it recovers.

Never one message per failure: the notice in force is kept in the source's state
(``source_state.ops_notice``), and a new one is only sent on a change of state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from .health import SourceHealth

__all__ = ["Notice", "OpsSettings", "decide_notice", "notify"]

log = logging.getLogger("regwatch.ops")


class OpsSettings(BaseModel):
    """The ``ops`` section of ``sources.yaml``."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(
        None, description="address that gets source failure, staleness and recovery notices"
    )
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
