"""Durations, dates and the clock, in one place so that tests and parsers agree on them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

__all__ = ["parse_date", "parse_duration", "utcnow"]

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: str | int | float) -> timedelta:
    """``"90s"``, ``"30m"``, ``"1h30m"``, ``"2d"``, ``"1w"`` or a number of seconds.

    :raises ValueError: naming the expected form.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 30m, 1h or 1d, got {value!r}")
    if isinstance(value, (int, float)):
        return timedelta(seconds=value)
    text = value.strip().lower().replace(" ", "")
    pos, seconds = 0, 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        if text.replace(".", "", 1).isdigit():
            return timedelta(seconds=float(text))
        raise ValueError(f"expected a duration such as 30m, 1h or 1d, got {value!r}")
    return timedelta(seconds=seconds)


def parse_date(value: str) -> date:
    """A ``YYYY-MM-DD`` date; :raises ValueError: naming the expected form."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)
