"""Source health: one status per source, derived from its stored state and its settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from .sources import SourceSettings
from .store._schema import SourceStateRow
from .timeutil import parse_duration

__all__ = ["UNHEALTHY", "SourceHealth", "source_health"]

#: statuses that make ``regwatch healthcheck`` fail
UNHEALTHY = frozenset({"failing", "blocked", "stale"})


@dataclass(frozen=True)
class SourceHealth:
    """What ops need to know about one source at a glance.

    ``status`` is one of ``ok``, ``never`` (not polled yet), ``failing`` (the last poll
    failed), ``blocked`` (the server refused an automated client: 403, an empty 202, a bot
    wall), ``stale`` (polls succeed but the newest item is older than ``stale_after``) and
    ``disabled``.
    """

    name: str
    status: str
    enabled: bool
    schedule: str
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    newest_item_on: date | None
    next_run_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, (date, datetime)):
                out[key] = value.isoformat()
        return out


def schedule_text(settings: SourceSettings, default_every: str) -> str:
    if settings.cron:
        return f"cron {settings.cron}"
    return f"every {settings.every or default_every}"


def source_health(
    name: str,
    settings: SourceSettings,
    default_every: str,
    row: SourceStateRow | None,
    now: datetime,
) -> SourceHealth:
    status = "ok"
    if not settings.enabled:
        status = "disabled"
    elif row is None or row.last_attempt_at is None:
        status = "never"
    elif row.consecutive_failures > 0:
        status = "blocked" if row.last_error_kind == "blocked" else "failing"
    elif (
        settings.stale_after
        and row.newest_item_on
        and now.date() - row.newest_item_on > parse_duration(settings.stale_after)
    ):
        status = "stale"
    return SourceHealth(
        name=name,
        status=status,
        enabled=settings.enabled,
        schedule=schedule_text(settings, default_every),
        last_success_at=row.last_success_at if row else None,
        last_attempt_at=row.last_attempt_at if row else None,
        last_error=row.last_error if row and row.consecutive_failures else None,
        last_error_at=row.last_error_at if row else None,
        consecutive_failures=row.consecutive_failures if row else 0,
        newest_item_on=row.newest_item_on if row else None,
        next_run_at=row.next_run_at if row else None,
    )
