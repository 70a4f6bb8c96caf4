"""Cadence periods: which digest is due for a recipient at a given moment.

A daily digest is due at ``at`` local time in the recipient's time zone, a weekly one at ``at`` on
``weekday``.  The *period* is named after the local date it was due on (``daily:2026-11-28``,
``weekly:2026-11-30``); it covers every undelivered match created before it was due, so matches
found after 08:00 wait for tomorrow's digest instead of making a second one today, and a daemon
that was down for three days sends one digest, not three.  An immediate recipient gets a digest
whenever there is something new; its period is named when the matches are known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["CADENCES", "WEEKDAYS", "Period", "current_period", "parse_at", "valid_zone"]

CADENCES = ("immediate", "daily", "weekly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Period:
    """One cadence period of one recipient."""

    cadence: str
    #: the local date the digest was due on (``None`` for immediate digests)
    local_date: date | None
    #: when the digest was due, UTC; matches created later belong to the next period
    due_at: datetime
    timezone: str
    at: str

    @property
    def key(self) -> str | None:
        """``daily:2026-11-28``; ``None`` for immediate digests (named by their matches)."""
        return f"{self.cadence}:{self.local_date.isoformat()}" if self.local_date else None

    def label(self) -> str:
        """``Daily digest for Saturday 28 November 2026, 08:00 (Asia/Tokyo)``."""
        if self.local_date is None:
            local = self.due_at.astimezone(ZoneInfo(self.timezone))
            return f"Immediate digest, {local:%Y-%m-%d %H:%M} ({self.timezone})"
        day = self.local_date
        when = f"{day:%A} {day.day} {day:%B %Y}, {self.at} ({self.timezone})"
        return f"{self.cadence.capitalize()} digest for {when}"


def parse_at(value: str) -> time:
    """``HH:MM`` (24-hour clock); :raises ValueError: naming the expected form."""
    try:
        hours, minutes = value.strip().split(":")
        if len(minutes) != 2:
            raise ValueError
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"at: expected a local time as HH:MM, got {value!r}") from None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"timezone: unknown time zone {name!r} (expected e.g. Asia/Tokyo)"
        ) from None


def valid_zone(name: str) -> bool:
    try:
        _zone(name)
    except ValueError:
        return False
    return True


def _due(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def current_period(cadence: str, at: str, timezone: str, weekday: str, now: datetime) -> Period:
    """The latest period of this schedule that is due at ``now`` (timezone-aware).

    :raises ValueError: a cadence, time, time zone or weekday that is not valid, named.
    """
    zone = _zone(timezone)
    if cadence == "immediate":
        return Period(cadence, None, now.astimezone(UTC), timezone, at)
    clock = parse_at(at)
    local_today = now.astimezone(zone).date()
    if cadence == "daily":
        day = local_today
        if _due(day, clock, zone) > now:
            day -= timedelta(days=1)
    elif cadence == "weekly":
        if weekday not in WEEKDAYS:
            raise ValueError(f"weekday: expected one of {', '.join(WEEKDAYS)}, got {weekday!r}")
        day = local_today - timedelta(days=(local_today.weekday() - WEEKDAYS.index(weekday)) % 7)
        if _due(day, clock, zone) > now:
            day -= timedelta(days=7)
    else:
        raise ValueError(f"cadence: expected one of {', '.join(CADENCES)}, got {cadence!r}")
    return Period(cadence, day, _due(day, clock, zone), timezone, at)
