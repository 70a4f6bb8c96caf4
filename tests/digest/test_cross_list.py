"""A watched party listed by two lists the same day: two listings, one digest item naming both."""
# ruff: noqa: E501  (one row a listing, as the lists print them)

from __future__ import annotations

from datetime import date

from regwatch.digest import render
from regwatch.events import Entity, EventKind

from .test_render import digest_of, reason, stored


def _listing(event_id: int, source: str, list_code: str, day: date, name: str):
    return stored(
        event_id,
        source=source,
        kind=EventKind.ENTITY_ADDED,
        key=f"{list_code.lower()}:{event_id}",
        title=f"{name}: added",
        list_code=list_code,
        published_on=day,
        url=f"https://lists.example/{list_code.lower()}/{event_id}",
        entity=Entity(name),
    )


def test_same_party_two_lists_same_day_is_one_item_naming_both() -> None:
    day = date(2026, 12, 1)
    watched = {"watch_item_id": 5, "watch_kind": "entity", "watch_value": "Rosoboronexport"}
    other = {"watch_item_id": 6, "watch_kind": "entity", "watch_value": "Kalashnikov"}
    name = "JSC Rosoboronexport"
    pairs = [
        (reason(1, "alert", 0.97, **watched), _listing(10, "ofac", "SDN", day, name)),
        (reason(2, "alert", 0.95, **watched), _listing(11, "mof", "JP-MOF", day, name)),
        # the same watch item, another day: its own item
        (reason(3, "alert", 0.95, **watched), _listing(12, "mofcom", "CN-ECL", date(2026, 12, 2), name)),
        # another watched party the same day: its own item
        (reason(4, "alert", 0.9, **other), _listing(13, "mof", "JP-MOF", day, "Kalashnikov Concern JSC")),
    ]  # fmt: skip
    digest = digest_of(pairs)
    assert len(digest.items) == 3
    joined = next(i for i in digest.items if i.also)
    assert joined.event.id == 10 and [e.id for e in joined.also] == [11]
    # both listings stay matches of their own: both are marked delivered with the digest
    assert sorted(r.match_id for r in joined.reasons) == [1, 2]
    assert digest.match_ids == [1, 2, 3, 4]
    rendered = render(digest)
    assert rendered.text.count("JSC Rosoboronexport") >= 2
    assert (
        "Also: Added to Japan MOF's sanctions list (JP-MOF) (Japan MOF): JSC Rosoboronexport "
        "https://lists.example/jp-mof/11" in rendered.text
    )
    assert "Added to the SDN List (OFAC)" in rendered.text
    assert "<b>Also:</b> Added to Japan MOF" in rendered.html
    assert '<a href="https://lists.example/jp-mof/11">JSC Rosoboronexport</a>' in rendered.html


def test_two_additions_to_the_same_list_are_not_joined() -> None:
    day = date(2026, 12, 1)
    pairs = [
        (reason(1, watch_item_id=5), _listing(10, "mof", "JP-MOF", day, "A Co")),
        (reason(2, watch_item_id=5), _listing(11, "mof", "JP-MOF", day, "A Co Ltd")),
    ]
    assert [i.also for i in digest_of(pairs).items] == [(), ()]
