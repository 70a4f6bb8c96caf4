"""The one-click unsubscribe link of a digest, followed through ``regwatch serve``: the link the
mail carries is the one the server answers, a POST (RFC 8058) stops the digests and is in the
audit trail, opening the link does not unsubscribe, and a bad token learns nothing."""

from __future__ import annotations

from datetime import timedelta

import httpx

from regwatch import audit
from regwatch.digest import send_due
from regwatch.events import ChangeEvent, EventKind
from regwatch.store._recipients import subscription
from tests.digest.conftest import NOW, smtp_mail
from tests.support.apiserver import running_server
from tests.support.digestdata import add_events, add_match, add_recipient, seed_sample

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def _subscribed(store, token: str) -> bool:
    with store.read() as conn:
        found = subscription(conn, token)
    assert found is not None
    return found.unsubscribed_at is None


def _link(received, address: str) -> str:
    (message,) = [r.message for r in received if r.rcpt_tos == [address]]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message["List-Unsubscribe"]
    assert header.startswith("<") and header.endswith(">")
    return str(header[1:-1])


def test_one_click_unsubscribe_stops_the_digests(store, config, mail_server, tmp_path):
    mail = mail_server()
    seeded = seed_sample(store)
    leaving = add_recipient(
        store, seeded["company_id"], "leaving@acme.example", unsubscribe_token="tok-leave-1"
    )
    add_recipient(
        store, seeded["company_id"], "staying@acme.example", unsubscribe_token="tok-stay-2"
    )
    with running_server(store) as base, httpx.Client(timeout=30) as client:
        config.general.digest.web_url = f"{base}/"
        first = send_due(store, config.general.digest, NOW, mail=smtp_mail(mail.port, tmp_path))
        assert len(first.outcomes) == 2 and len(mail.received) == 2
        link = _link(mail.received, "leaving@acme.example")
        assert link == f"{base}/unsubscribe/tok-leave-1"

        # opening the link (as a mail scanner would) only asks
        page = client.get(link)
        assert page.status_code == 200
        assert "leaving@acme.example" in page.text and 'name="List-Unsubscribe"' in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert _subscribed(store, "tok-leave-1")

        done = client.post(link, data=ONE_CLICK)
        assert done.status_code == 200 and "gets no more" in done.text
        assert not _subscribed(store, "tok-leave-1")
        # a provider's retry, as multipart/form-data (what RFC 8058 asks for): same answer
        again = client.post(link, files={"List-Unsubscribe": (None, "One-Click")})
        assert again.status_code == 200 and "gets no more" in again.text

        # the other recipient's link without the one-click body unsubscribes nobody
        bare = client.post(_link(mail.received, "staying@acme.example"))
        assert bare.status_code == 400 and bare.json()["field"] == "List-Unsubscribe"
        assert _subscribed(store, "tok-stay-2")

        for method in ("GET", "POST"):
            unknown = client.request(method, f"{base}/unsubscribe/tok-nobody", data=ONE_CLICK)
            assert unknown.status_code == 404 and unknown.json() == {"error": "not found"}

    # something new to send: only the recipient who stayed gets it
    (event_id,) = add_events(
        store,
        [
            ChangeEvent(
                source="federal_register",
                kind=EventKind.ENTITY_ADDED,
                key="el:cn:late semiconductor works",
                title="Additions to the Entity List: Late Semiconductor Works",
                list_code="EL",
                country="CN",
            )
        ],
    )
    later = NOW + timedelta(hours=1)
    add_match(store, event_id, seeded["company_id"], seeded["items"]["keyword"], created_at=later)
    second = send_due(store, config.general.digest, later, mail=smtp_mail(mail.port, tmp_path))
    assert [r.rcpt_tos for r in mail.received[2:]] == [["staying@acme.example"]]
    assert len(second.outcomes) == 1

    (entry,) = [e for e in audit.read(store) if e.action == "recipient.unsubscribe"]
    assert entry.subject == f"recipient:{leaving}"
    assert entry.actor == "leaving@acme.example (unsubscribe link)"
    assert entry.company_id == seeded["company_id"]
    assert entry.before is not None and entry.before["subscribed"] is True
    assert audit.verify(store).ok
