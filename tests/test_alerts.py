"""One alert per listing: which earlier event a later view's event confirms."""

from __future__ import annotations

from regwatch.alerts import Earlier, confirmed_event
from regwatch.model import EventKind

ADDED = Earlier("fr:2024-1#el:cn:acme", "entity.added", "2024-1")
REVISED = Earlier("fr:2024-7#el:cn:acme", "entity.revised", "2024-7")
REMOVED = Earlier("fr:2025-3#el:cn:acme", "entity.removed", "2025-3")


def test_an_addition_confirms_the_rule_it_cites():
    found = confirmed_event(EventKind.ENTITY_ADDED, [ADDED], {"2024-1"}, cites_anything=True)
    assert found == ADDED


def test_an_entry_citing_only_other_documents_is_news():
    assert confirmed_event(EventKind.ENTITY_ADDED, [ADDED], {"2023-9"}, cites_anything=True) is None


def test_an_entry_citing_nothing_confirms_the_newest_matching_event():
    found = confirmed_event(EventKind.ENTITY_REVISED, [ADDED, REVISED], set(), cites_anything=False)
    assert found == REVISED


def test_a_revision_may_confirm_the_addition_it_cites():
    found = confirmed_event(
        EventKind.ENTITY_REVISED, [ADDED, REVISED], {"2024-1"}, cites_anything=True
    )
    assert found == ADDED


def test_a_removal_confirms_the_rule_that_removed_and_never_an_addition():
    assert confirmed_event(EventKind.ENTITY_REMOVED, [ADDED], set(), cites_anything=True) is None
    found = confirmed_event(EventKind.ENTITY_REMOVED, [ADDED, REMOVED], {"x"}, cites_anything=True)
    assert found == REMOVED
