"""When a source is polled next: its schedule, jitter, and backoff after failures.

Pure functions of the settings, the clock and the failure count; the daemon stores the result in
the source's state, so that a restart neither re-polls at once nor skips a due poll.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from .sources import SourceSettings
from .timeutil import parse_duration

__all__ = ["MAX_BACKOFF", "interval_of", "next_run"]

#: a failing source is still tried at least this often: backoff never gives up
MAX_BACKOFF = timedelta(hours=6)
#: the first retry of a failing source comes after at most this long
_FIRST_RETRY = timedelta(minutes=15)


def interval_of(settings: SourceSettings, default_every: str) -> timedelta:
    """The nominal time between two polls (for cron schedules: between the next two fires)."""
    if settings.cron:
        trigger = CronTrigger.from_crontab(settings.cron, timezone=UTC)
        now = datetime.now(UTC)
        first = trigger.get_next_fire_time(None, now)
        second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
        return second - first if first and second else timedelta(hours=1)
    return parse_duration(settings.every or default_every)


def next_run(
    settings: SourceSettings,
    default_every: str,
    now: datetime,
    failures: int = 0,
    rng: random.Random | None = None,
) -> datetime:
    """The next poll after one that ended at ``now`` with ``failures`` consecutive failures.

    A healthy source follows its ``every`` or ``cron`` schedule; a failing one backs off
    exponentially from ``min(interval, 15 min)``, doubling per failure up to six hours, so that it
    is neither hammered nor given up on.  ``jitter`` spreads polls of many daemons and sources.
    """
    rng = rng or random.Random()
    jitter = parse_duration(settings.jitter).total_seconds()
    if failures > 0:
        base = min(interval_of(settings, default_every), _FIRST_RETRY)
        delay = min(base * (2 ** (failures - 1)), MAX_BACKOFF)
        when = now + delay
    elif settings.cron:
        fire = CronTrigger.from_crontab(settings.cron, timezone=UTC).get_next_fire_time(None, now)
        when = fire if fire is not None else now + timedelta(hours=1)
    else:
        when = now + interval_of(settings, default_every)
    result: datetime = when + timedelta(seconds=rng.uniform(0, jitter))
    return result
