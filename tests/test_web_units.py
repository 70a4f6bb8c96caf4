"""The pure parts of ``regwatch serve``: the revision diff and the queue's order."""

from __future__ import annotations

from regwatch.web._diff import diff_events, flatten
from regwatch.web._queue import queue_order


def _event(**fields):
    base = {"id": 1, "revision": 1, "title": "Additions to the Entity List", "country": "RU",
            "entity": {"name": "Example JSC", "addresses": ["1 Old St."]}, "data": {}}  # fmt: skip
    return {**base, **fields}


def test_the_diff_marks_only_what_changed_field_by_field():
    old = _event()
    entity = {"name": "Example JSC", "addresses": ["1 Old St.", "2 New St."]}
    new = _event(id=2, revision=2, entity=entity)
    changes = {c.field: c for c in diff_events(old, new)}
    addresses = changes["entity.addresses"]
    assert addresses.kind == "changed"
    assert addresses.old == "1 Old St." and addresses.new == "1 Old St.\n2 New St."
    assert [s.text for s in addresses.new_segments if s.changed] == ["\n2 New St."]
    assert not changes["title"].changed and not changes["entity.name"].changed
    # changed fields come first; bookkeeping (id, revision) is never a "change"
    assert next(iter(changes)) == "entity.addresses"
    assert "id" not in changes and "revision" not in changes


def test_added_and_removed_fields_and_a_first_revision():
    old = _event()
    new = _event(id=2, country=None, summary="Now with a summary.")
    changes = {c.field: c for c in diff_events(old, new)}
    assert changes["country"].kind == "removed"
    assert changes["summary"].kind == "added"
    first = diff_events(None, new)
    assert all(not c.changed for c in first)
    assert flatten(new)["entity.name"] == "Example JSC"


def test_the_queue_puts_severity_then_alerts_then_score_first():
    matches = [
        {"id": 1, "tier": "review", "score": 0.99},
        {"id": 2, "tier": "alert", "score": 0.80},
        {"id": 3, "tier": "alert", "score": 0.95},
        {"id": 4, "tier": "review", "score": 0.50, "severity": "high"},
        {"id": 5, "tier": "alert", "score": 0.95},
    ]
    ordered = [m["id"] for m in sorted(matches, key=queue_order)]
    assert ordered == [4, 5, 3, 2, 1]  # same tier and score: the newest first
