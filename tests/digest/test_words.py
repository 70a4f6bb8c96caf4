"""Reasons in a compliance officer's words, and revisions as what was removed and added."""

from __future__ import annotations

from datetime import UTC, date, datetime

from regwatch.digest import Reason
from regwatch.digest._model import Item
from regwatch.digest._words import field_changes, sentence
from regwatch.events import ChangeEvent, Entity, EventKind, StoredEvent

NOW = datetime(2026, 11, 28, tzinfo=UTC)


def _item(event: ChangeEvent, **reason) -> Item:
    base = {
        "match_id": 1,
        "watch_item_id": 1,
        "watch_kind": "entity",
        "watch_value": "Hangzhou Lianxin Microelectronics",
        "field": "entity.name",
        "score": 0.97,
        "tier": "alert",
        "status": "new",
        "explanation": {},
        "spec": {"role": "customer", "country": "CN"},
    }
    base.update(reason)
    return Item(StoredEvent(1, event, "h", 1, None, NOW), (Reason(**base),))


def test_the_issue_s_sentence():
    event = ChangeEvent(
        source="federal_register",
        kind=EventKind.ENTITY_ADDED,
        key="el:cn:hangzhou lianxin microelectronics co ltd",
        title="Additions to the Entity List",
        published_on=date(2026, 11, 17),
        effective_on=date(2026, 11, 13),
        citation="91 FR 80101",
        list_code="EL",
        country="CN",
        entity=Entity("Hangzhou Lianxin Microelectronics"),
    )
    assert sentence(_item(event)) == (
        "Your customer Hangzhou Lianxin Microelectronics (CN) was added to the Entity List by "
        "91 FR 80101, effective 13 Nov 2026 — before it was published"
    )


def test_a_lagging_listing_names_the_party_and_the_finding():
    event = ChangeEvent(
        source="reconcile",
        kind="listing.lagging",
        key="listing:el:cn:b",
        title="Not yet in the Consolidated Screening List",
        summary="listed by 91 FR 80101 but not in the Consolidated Screening List as of "
        "19 Nov 2026",
        entity=Entity("Hangzhou Lianxin Microelectronics"),
    )
    assert sentence(_item(event)) == (
        "Your customer Hangzhou Lianxin Microelectronics (CN): listed by 91 FR 80101 but not in "
        "the Consolidated Screening List as of 19 Nov 2026"
    )


def test_an_eccn_in_a_rule():
    event = ChangeEvent(
        source="federal_register",
        kind=EventKind.DOCUMENT_PUBLISHED,
        key="fr:2026-1",
        title="Revisions to Advanced Computing Controls",
        citation="91 FR 100",
        published_on=date(2026, 11, 2),
        effective_on=date(2026, 12, 2),
        data={"type": "Rule"},
    )
    item = _item(event, watch_kind="eccn", watch_value="3A090", spec={})
    assert sentence(item) == (
        "ECCN 3A090, which you watch, is named in a rule, “Revisions to Advanced Computing "
        "Controls” (91 FR 100), effective 2 Dec 2026"
    )


def test_revisions_are_what_was_removed_and_added():
    changes = field_changes(
        {
            "entity.addresses": [["1 Old St.", "2 Kept Rd."], ["2 Kept Rd.", "3 New Ave."]],
            "entity.aliases": [["Old Alias", "Kept"], ["Kept"]],
            "entity.license_review_policy": ["Case-by-case", "Policy of denial"],
            "country": [None, "RU"],
        }
    )
    addresses, aliases, policy, country = changes
    assert (addresses.field, addresses.removed, addresses.added) == (
        "Addresses",
        ("1 Old St.",),
        ("3 New Ave.",),
    )
    assert addresses.words == "1 address added, 1 address removed"
    assert (aliases.removed, aliases.added, aliases.words) == (
        ("Old Alias",),
        (),
        "1 alias removed",
    )
    assert (policy.removed, policy.added, policy.words) == (
        ("Case-by-case",),
        ("Policy of denial",),
        "changed",
    )
    assert (country.removed, country.added, country.words) == ((), ("RU",), "set")
