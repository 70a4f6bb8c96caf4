"""Atom feeds of a company's matches (RFC 4287), built with feedgen."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from feedgen.feed import FeedGenerator

__all__ = ["matches_feed"]


def matches_feed(
    company: str,
    list_code: str | None,
    matches: Sequence[dict[str, Any]],
    self_url: str,
    page_url: str,
) -> bytes:
    """The feed's XML: one entry per match, newest first."""
    feed = FeedGenerator()
    scope = f"{company}, list {list_code}" if list_code else company
    feed.id(self_url)
    feed.title(f"regwatch: matches for {scope}")
    feed.author({"name": "regwatch"})
    feed.link(href=self_url, rel="self")
    feed.link(href=page_url, rel="alternate")
    feed.generator("regwatch")
    newest = max((m["created_at"] for m in matches), default=datetime(1970, 1, 1, tzinfo=UTC))
    feed.updated(newest)
    for match in reversed(matches):  # feedgen prepends: add oldest first, newest ends on top
        event = match["event"]
        entry = feed.add_entry()
        entry.id(f"urn:regwatch:match:{match['id']}")
        what = event["entity_name"] or event["title"]
        entry.title(f"[{match['tier']}] {what} — {match['watch_item']['value']}")
        entry.updated(match["status_changed_at"] or match["created_at"])
        entry.published(match["created_at"])
        entry.link(href=f"{page_url}/events/{event['id']}", rel="alternate")
        if event["url"] and str(event["url"]).startswith(("https://", "http://")):
            entry.link(href=event["url"], rel="related")
        lines = [
            f"{event['kind']} ({event['source']}{', ' + event['list'] if event['list'] else ''})",
            f"watch item: {match['watch_item']['kind']} {match['watch_item']['value']}",
            f"score {match['score']:.2f}, status {match['status']}",
        ]
        if match["reason"]:
            lines.append(f"why: {match['reason']}")
        entry.summary("\n".join(lines))
        entry.category(term=match["tier"])
    xml: bytes = feed.atom_str(pretty=True)
    return xml
