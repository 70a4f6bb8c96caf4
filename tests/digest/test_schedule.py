"""Cadence periods: which digest is due, in the recipient's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from regwatch.digest import current_period


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_daily_in_tokyo_before_and_after_the_local_time():
    # 07:59 in Tokyo on the 28th is still the 27th's period; 08:00 starts the 28th's
    before = current_period("daily", "08:00", "Asia/Tokyo", "mon", at("2026-11-27T22:59:00+00:00"))
    after = current_period("daily", "08:00", "Asia/Tokyo", "mon", at("2026-11-27T23:00:00+00:00"))
    assert before.key == "daily:2026-11-27"
    assert before.due_at == at("2026-11-26T23:00:00+00:00")
    assert after.key == "daily:2026-11-28"
    assert after.due_at == at("2026-11-27T23:00:00+00:00")
    assert after.label() == "Daily digest for Saturday 28 November 2026, 08:00 (Asia/Tokyo)"


def test_daily_local_date_differs_from_the_utc_date():
    # 20:00 UTC on the 27th is 05:00 on the 28th in Tokyo: the 28th's 08:00 is not due yet
    period = current_period("daily", "08:00", "Asia/Tokyo", "mon", at("2026-11-27T20:00:00+00:00"))
    assert period.local_date == date(2026, 11, 27)


def test_weekly_on_monday():
    # Monday 30 November 2026, 09:00 in New York (EST, UTC-5)
    due = at("2026-11-30T14:00:00+00:00")
    just_before = current_period(
        "weekly", "09:00", "America/New_York", "mon", due.replace(minute=0, hour=13)
    )
    on_time = current_period("weekly", "09:00", "America/New_York", "mon", due)
    later_in_week = current_period(
        "weekly", "09:00", "America/New_York", "mon", at("2026-12-05T12:00:00+00:00")
    )
    assert just_before.key == "weekly:2026-11-23"
    assert on_time.key == "weekly:2026-11-30" and on_time.due_at == due
    assert later_in_week.key == "weekly:2026-11-30"


def test_daylight_saving_time_moves_the_utc_due_time():
    winter = current_period(
        "daily", "08:00", "Europe/Berlin", "mon", at("2026-01-15T12:00:00+00:00")
    )
    summer = current_period(
        "daily", "08:00", "Europe/Berlin", "mon", at("2026-07-15T12:00:00+00:00")
    )
    assert winter.due_at.hour == 7 and summer.due_at.hour == 6


def test_immediate_is_due_now_and_named_by_its_matches():
    now = at("2026-11-28T00:30:00+00:00")
    period = current_period("immediate", "08:00", "UTC", "mon", now)
    assert period.key is None and period.due_at == now


@pytest.mark.parametrize(
    ("cadence", "at_", "zone", "weekday", "message"),
    [
        ("hourly", "08:00", "UTC", "mon", "cadence: expected one of immediate, daily, weekly"),
        ("daily", "8am", "UTC", "mon", "at: expected a local time as HH:MM, got '8am'"),
        ("daily", "25:00", "UTC", "mon", "at: expected a local time as HH:MM"),
        ("daily", "08:00", "Mars/Olympus", "mon", "timezone: unknown time zone 'Mars/Olympus'"),
        ("weekly", "08:00", "UTC", "monday", "weekday: expected one of mon, tue"),
    ],
)
def test_bad_settings_name_the_field(cadence, at_, zone, weekday, message):
    with pytest.raises(ValueError, match=message):
        current_period(cadence, at_, zone, weekday, at("2026-11-28T00:00:00+00:00"))
