"""Severity: one table, explained, with watch-item overrides; an item takes its highest match."""

from __future__ import annotations

import pytest

from regwatch.digest._severity import (
    Severity,
    item_severity,
    parse_override,
    severity_of,
    why_severity,
)


@pytest.mark.parametrize(
    ("watch", "kind", "tier", "expected"),
    [
        ("entity", "entity.added", "alert", "critical"),
        ("entity", "entity.revised", "alert", "critical"),
        ("entity", "entity.removed", "alert", "critical"),
        # issue 14's finding that a screening list does not show a listing yet
        ("entity", "listing.lagging", "alert", "critical"),
        ("entity", "listing.stale_removal", "alert", "critical"),
        ("entity", "listing.resolved", "alert", "info"),  # the views agree again
        ("entity", "entity.added", "review", "high"),  # a possible match: one level lower
        ("entity", "document.published", "alert", "high"),  # named in a rule, not listed
        ("eccn", "document.published", "alert", "high"),
        ("cfr", "document.corrected", "alert", "high"),
        ("eccn", "document.published", "review", "info"),  # the parent entry only
        ("keyword", "entity.added", "alert", "info"),
        ("country", "entity.revised", "alert", "info"),
        ("topic", "release.published", "review", "info"),  # never lower than info
    ],
)
def test_the_table(watch, kind, tier, expected):
    assert severity_of(watch, kind, tier) == Severity(expected)


def test_a_watch_item_override_wins_and_is_explained():
    override = parse_override({"severity": "critical"})
    assert severity_of("keyword", "document.published", "review", override) is Severity.CRITICAL
    assert why_severity("keyword", "document.published", "review", override) == (
        "critical: set on the watch item"
    )
    assert parse_override({"severity": "urgent"}) is None  # refused when the list is read
    assert parse_override({}) is None


def test_every_level_says_why():
    assert why_severity("entity", "entity.added", "alert") == (
        "critical: a watched party itself is on the list"
    )
    assert why_severity("cfr", "document.published", "review") == (
        "info: a watched CFR part is named; lowered one level: the match is for review, not certain"
    )


def test_an_item_takes_its_highest_level():
    assert item_severity([Severity.INFO, Severity.HIGH]) is Severity.HIGH
    assert item_severity([]) is Severity.INFO
    assert [s.mark for s in Severity] == ["[CRITICAL]", "[HIGH]", "[INFO]"]
