"""Bounds on stored text: a hostile source's 5 MB title is stored cut, with a mark, and the
payload it came from (kept with its SHA-256) still holds the whole text."""

from __future__ import annotations

import json
from datetime import date

import pytest

from regwatch._bounds import LIMITS, bound_event, cut
from regwatch.events import ChangeEvent, Entity, EventKind
from regwatch.timeutil import utcnow
from tests.support.fake_fr import bis_documents, load_template_records
from tests.support.httpserver import Reply


def event(**fields):
    base = {"source": "s", "kind": EventKind.DOCUMENT_PUBLISHED, "key": "s:1", "title": "t"}
    return ChangeEvent(**{**base, **fields})


def test_an_event_within_bounds_is_left_alone():
    ordinary = event(summary="x" * 100, data={"a": ["b"] * 10, "n": 3})
    assert bound_event(ordinary) is ordinary


def nest(levels: int, inner: object) -> dict:
    """``inner`` under ``levels`` objects: at depth ``levels`` of the bounded value."""
    value = inner
    for _ in range(levels):
        value = {"k": value}
    return value


class Text(str):
    pass


#: events that look almost within bounds, and what bounding makes of their ``data``
EDGES = {
    "20 levels deep": (nest(19, ["text", 1, None]), nest(19, ["text", 1, None])),
    "a number 21 levels deep": (nest(20, [7]), nest(20, [None])),
    "text 21 levels deep": (nest(20, ["t"]), nest(20, ["t"])),
    "a key that is a number": ({1: "x"}, {"1": "x"}),
    "a key too long": ({"k" * 300: 1}, {cut("k" * 300, LIMITS["short"]): 1}),
    "a value at the limit": ({"v": "x" * LIMITS["value"]}, {"v": "x" * LIMITS["value"]}),
    "items at the limit": ({"l": ["a"] * LIMITS["items"]}, {"l": ["a"] * LIMITS["items"]}),
    "a tuple and a date": ({"t": ("a", date(2024, 1, 2))}, {"t": ("a", date(2024, 1, 2))}),
    "a text subclass": ({"s": Text("abc")}, {"s": "abc"}),
}


@pytest.mark.parametrize("name", EDGES)
def test_an_event_is_left_alone_exactly_when_bounding_changes_nothing(name):
    data, expected = EDGES[name]
    original = event(data=data)
    bounded = bound_event(original)
    assert bounded.data == expected
    assert (bounded is original) == (expected == data)


def test_an_entity_within_bounds_is_left_alone_and_one_over_is_cut():
    within = event(entity=Entity(name="ACME", aliases=("A",) * 1_000, details={"x": ["y"]}))
    assert bound_event(within) is within
    listed = event(entity=Entity(name="ACME", aliases=["A"]))  # type: ignore[arg-type]
    assert bound_event(listed).entity.aliases == ("A",)
    over = event(entity=Entity(name="ACME", addresses=("a" * (LIMITS["name"] + 1),)))
    assert bound_event(over).entity.addresses[0].endswith("holds the whole text]")


def test_every_long_field_is_cut_with_a_mark():
    huge = "é" * 3_000_000
    bounded = bound_event(
        event(
            title=huge,
            summary=huge,
            citation=huge,
            entity=Entity(name=huge, aliases=(huge,) * 5000, details={"x": huge}),
            data={"nested": {"deeper": [huge]}, "many": list(range(100_000))},
        )
    )
    assert len(bounded.title) < LIMITS["title"] + 100
    assert bounded.title.endswith(
        "[…cut: 3,000,000 characters in all; the source payload holds the whole text]"
    )
    assert len(bounded.summary) < LIMITS["summary"] + 100
    assert len(bounded.citation) < LIMITS["short"] + 100
    assert len(bounded.entity.name) < LIMITS["name"] + 100
    assert len(bounded.entity.aliases) == LIMITS["items"]
    assert len(bounded.entity.details["x"]) < LIMITS["value"] + 100
    assert len(bounded.data["nested"]["deeper"][0]) < LIMITS["value"] + 100
    assert len(bounded.data["many"]) == LIMITS["items"]


def test_a_poll_stores_a_huge_title_cut_and_keeps_the_payload(
    cli, tmp_path, http_server, shared_fixtures
):
    [record] = bis_documents(load_template_records(shared_fixtures), 1, utcnow().date())
    record["title"] = "Huge " + "A" * 5_000_000
    http_server.route(
        "/api/v1/documents.json", Reply(json.dumps({"count": 1, "results": [record]}))
    )
    (tmp_path / "sources.yaml").write_text(
        "http:\n  min_interval: 0\n  retries: 0\n"
        f"federal_register:\n  base_url: {http_server.url('/api/v1')}\n"
        "  public_inspection: false\n  backfill_days: 1\n"
    )
    assert cli("init").code == 0
    assert cli("poll", "federal_register").code == 0
    [stored] = cli("events", "--format", "json").json()
    assert stored["title"].startswith("Huge AAAA")
    assert stored["title"].endswith(
        "5,000,005 characters in all; the source payload holds the whole text]"
    )
    assert len(stored["title"]) < 2_200
    shown = cli("show", str(stored["id"]), "--format", "json").json()
    assert len(shown["provenance"]["sha256"]) == 64  # the whole title is in that payload
    assert cli("events").code == 0
