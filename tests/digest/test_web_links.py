"""A chat message's links, followed through ``regwatch serve``: each opens the event's review
page, and the level the message gives an item is the one the API gives its matches."""

from __future__ import annotations

import re

import httpx

from regwatch import audit
from regwatch.digest import send_due
from tests.digest.conftest import NOW
from tests.support.apiserver import running_server
from tests.support.digestdata import add_recipient, seed_sample
from tests.support.receiver import Receiver

LINE = re.compile(r"^\[(?P<level>[A-Z]+)\] .*<(?P<link>[^>]+)>$")


def test_chat_links_open_the_review_page_and_agree_on_severity(store, config):
    seeded = seed_sample(store)
    _, token = audit.create_token(store, "reed", "read", None, "test")
    with running_server(store) as base, Receiver() as receiver:
        config.general.digest.web_url = base
        add_recipient(
            store,
            seeded["company_id"],
            "compliance@acme.example",
            channel="chat",
            target=f"json://127.0.0.1:{receiver.port}/chat",
        )
        send_due(store, config.general.digest, NOW)
        lines = receiver.posts[0].json()["message"].splitlines()
        items = [m for m in (LINE.match(line) for line in lines) if m]
        assert len(items) == 5
        with (
            httpx.Client(timeout=30) as page,
            httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
            ) as api,
        ):
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.get(f"{base}/login").text)
            assert csrf is not None
            page.post(f"{base}/login", data={"token": token, "csrf": csrf.group(1)})
            for item in items:
                link = item["link"]
                assert link.startswith(f"{base}/review/events/")
                opened = page.get(link)
                assert opened.status_code == 200 and "<h1" in opened.text
                event_id = int(link.rsplit("/", 1)[1])
                event = api.get(f"/api/v1/events/{event_id}").json()
                assert event["severity"] == item["level"].lower(), (link, event["severity"])
