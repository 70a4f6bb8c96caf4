"""Rendering: what each item shows, the order, the subject, the size cap, and safety against
whatever a source may put in a title."""

from __future__ import annotations

import base64
import email
import email.policy
import re
from datetime import UTC, date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

import pytest
from jinja2 import UndefinedError

from regwatch.digest import Period, Reason, RecipientInfo, _mime, message_bytes, render
from regwatch.digest._model import compose
from regwatch.digest._render import _HTML, _TEXT, one_line
from regwatch.events import ChangeEvent, Entity, EventKind, StoredEvent

NOW = datetime(2026, 11, 28, 0, 30, tzinfo=UTC)
PERSON = RecipientInfo(
    7, 1, 'Acme "Corp" & Sons', "compliance@acme.example", "daily", "08:00", "Asia/Tokyo"
)
PERIOD = Period("daily", date(2026, 11, 28), NOW, "Asia/Tokyo", "08:00")


def stored(event_id: int, revision: int = 1, **fields) -> StoredEvent:
    base = {
        "source": "federal_register",
        "kind": EventKind.DOCUMENT_PUBLISHED,
        "key": f"fr:{event_id}",
        "title": f"Document {event_id}",
    }
    base.update(fields)
    return StoredEvent(event_id, ChangeEvent(**base), "hash", revision, None, NOW)


def reason(match_id: int, tier: str = "review", score: float = 0.8, **fields) -> Reason:
    base = {
        "watch_item_id": 1,
        "watch_kind": "keyword",
        "watch_value": "semiconductor",
        "field": "title",
        "status": "new",
        "explanation": {},
    }
    base.update(fields)
    return Reason(match_id=match_id, tier=tier, score=score, **base)


def digest_of(pairs, max_items: int = 100):
    return compose(PERSON, PERIOD, PERIOD.label(), pairs, max_items)


def parts(rendered):
    data = message_bytes(
        rendered,
        sender=Address("regwatch", addr_spec="regwatch@example.org"),
        to=Address(addr_spec="compliance@acme.example"),
        message_id="<t.1@example.org>",
        date=NOW,
    )
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    return parsed


def entity_reason(match_id: int, tier: str, score: float, name: str) -> Reason:
    return reason(match_id, tier, score, watch_kind="entity", watch_value=name)


def test_order_by_severity_then_alerts_first_then_entities_then_documents():
    pairs = [
        (reason(1, "review", 0.99), stored(1)),
        (reason(2, "alert", 0.7), stored(2)),
        (
            entity_reason(3, "review", 0.8, "B Co"),
            stored(3, kind=EventKind.ENTITY_ADDED, entity=Entity("B Co")),
        ),
        (
            entity_reason(4, "alert", 0.9, "A Co"),
            stored(4, kind=EventKind.ENTITY_REMOVED, entity=Entity("A Co")),
        ),
        (
            entity_reason(5, "alert", 0.95, "C Co"),
            stored(5, kind=EventKind.ENTITY_ADDED, entity=Entity("C Co")),
        ),
        (reason(6, "alert", 1.0, watch_kind="eccn", watch_value="3A090"), stored(6)),
    ]
    digest = digest_of(pairs)
    # critical (alert-tier listings), high (the ECCN; the review-tier listing, one level lower),
    # then info (keywords), each by tier, kind and score
    assert [i.event.id for i in digest.items] == [5, 4, 6, 3, 2, 1]
    assert [i.severity.value for i in digest.items] == [
        "critical",
        "critical",
        "high",
        "high",
        "info",
        "info",
    ]
    rendered = render(digest)
    assert rendered.subject == (
        '[regwatch] Acme "Corp" & Sons: 2 critical, 2 high, 2 info — Your watched party C Co '
        "was added to a restricted-party list"
    )
    text = rendered.text
    headings = [line for line in text.splitlines() if line.startswith("== ")]
    assert headings == [
        "== Critical: a watched party itself (2) ==",
        "== High: rules naming what you watch (2) ==",
        "== Info: keywords, countries, topics (2) ==",
    ]
    summary = text.split("SUMMARY\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert (
        summary[0] == "1. [CRITICAL] Your watched party C Co was added to a restricted-party list"
    )
    assert (
        summary[3]
        == "4. [HIGH] Possibly your watched party B Co was added to a restricted-party list"
    )
    assert len(summary) == 6
    # every summary line links to its item below
    html = rendered.html
    for item in digest.items:
        anchor = f"item-{item.event.id}"
        assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html


def test_an_event_with_several_matches_is_one_item_with_every_reason():
    event = stored(1)
    pairs = [
        (reason(1, "review", 0.8, watch_kind="keyword", watch_value="semiconductor"), event),
        (
            reason(
                2,
                "alert",
                1.0,
                watch_kind="eccn",
                watch_value="3B090",
                field="summary",
                explanation={"summary": "ECCN 3B090 cited"},
            ),
            event,
        ),
    ]
    digest = digest_of(pairs)
    assert len(digest.items) == 1 and digest.items[0].tier == "alert"
    text = render(digest).text
    first = text.index("eccn “3B090” in summary, score 1.00, alert (match 2); high")
    second = text.index("keyword “semiconductor” in title, score 0.80, review (match 1); info")
    assert first < second
    assert "ECCN 3B090 cited" in text


def test_each_item_says_what_changed_why_dates_citation_and_links():
    event = stored(
        42,
        kind=EventKind.ENTITY_REVISED,
        title="Revisions to the Entity List",
        entity=Entity("Example Avionics JSC", aliases=("EA",), addresses=("12 Example St.",)),
        list_code="EL",
        country="RU",
        published_on=date(2023, 2, 1),
        effective_on=date(2023, 1, 31),
        citation="88 FR 6621",
        document_number="2023-02130",
        url="https://www.federalregister.gov/d/2023-02130",
        changes={"entity.addresses": [["1 Old St."], ["12 Example St."]], "country": [None, "RU"]},
        data={"pdf_url": "https://www.govinfo.gov/content/pkg/FR-2023-02-01/pdf/2023-02130.pdf"},
    )
    explanation = {"country": "RU", "qualifier": "watched country", "weights": [0.5, 1]}
    rendered = render(
        digest_of(
            [
                (
                    reason(
                        9,
                        "review",
                        1.0,
                        watch_kind="country",
                        watch_value="RU",
                        field="country",
                        explanation=explanation,
                    ),
                    event,
                )
            ]
        )
    )
    text = rendered.text
    for expected in [
        "[INFO] Entry revised on the Entity List (EL) · RU · Federal Register",
        "  A country you watch (RU): Example Avionics JSC — its listing was revised by 88 FR 6621",
        "  Example Avionics JSC",
        "  In: Revisions to the Entity List",
        "  Also known as: EA",
        "  Address: 12 Example St.",
        "    country “RU” in country, score 1.00, review (match 9); info: a watched country "
        "is mentioned",
        "      qualifier: watched country",
        "      weights: 0.5; 1",
        "    Addresses (1 address added, 1 address removed):",
        "      - removed: 1 Old St.",
        "      + added:   12 Example St.",
        "    Country (set):",
        "      + added:   RU",
        "  Published: 1 Feb 2023 · Effective: 31 Jan 2023 (took effect before it was published)",
        "  Citation: 88 FR 6621 (FR Doc. 2023-02130)",
        "  Source: https://www.federalregister.gov/d/2023-02130",
        "  Official text (PDF): https://www.govinfo.gov/content/pkg/FR-2023-02-01/pdf/2023-02130.pdf",
    ]:
        assert expected in text.splitlines(), expected
    html = rendered.html
    assert '<a href="https://www.govinfo.gov/content/pkg/FR-2023-02-01/pdf/2023-02130.pdf"' in html
    assert "Official text, PDF (www.govinfo.gov)" in html
    assert "(took effect before it was published)" in html


def test_a_later_revision_of_a_document_says_so():
    event = stored(3, revision=2, changes={"effective_on": ["2024-01-01", "2024-02-01"]})
    text = render(digest_of([(reason(1), event)])).text
    assert "[INFO] Published, then revised (version 2) · Federal Register" in text
    assert "    Effective on (changed):" in text
    assert "      - removed: 2024-01-01\n      + added:   2024-02-01" in text


def test_css_is_inlined_and_nothing_remote_is_loaded():
    html = render(digest_of([(reason(1, "alert", watch_kind="cfr"), stored(1))])).html
    assert '<div class="item item-high" id="item-1" style="' in html
    assert "border-left: 6px solid #bc4c00" in html
    assert "<link" not in html
    assert "@media (max-width: 600px)" in html  # kept for small screens


def test_size_cap_lists_the_most_important_and_counts_the_rest():
    pairs = [
        (reason(i, "alert" if i % 5 == 0 else "review", 0.5 + i / 100), stored(i))
        for i in range(1, 13)
    ]
    digest = digest_of(pairs, max_items=4)
    assert digest.shown == 4 and digest.more == 8
    assert all(i.tier == "alert" for i in digest.listed[:2])
    rendered = render(digest)
    command = "regwatch matches --company 'Acme \"Corp\" & Sons'"
    assert (
        "+8 more items not listed here (this digest lists the 4 most important). "
        f"See them all:\n  {command}" in rendered.text
    )
    assert "+8 more items</b>" in rendered.html
    assert "regwatch matches --company 'Acme \"Corp\" &amp; Sons'" in rendered.html
    assert rendered.text.count("  Matched:") == 4
    assert rendered.subject.startswith('[regwatch] Acme "Corp" & Sons: 12 info — ')


def test_script_in_a_title_is_escaped_in_html():
    title = 'Rule <script>alert("x")</script> & <img src=x onerror=alert(1)>'
    event = stored(
        1,
        title=title,
        summary="<b>bold</b> claim",
        entity=None,
        url="https://example.org/?a=1&b=<2>",
    )
    rendered = render(digest_of([(reason(1, watch_value="<i>kw</i>"), event)]))
    html = rendered.html
    assert "<script>" not in html and "<img" not in html and "<b>bold" not in html
    assert (
        '<p>Rule &lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;img src=x '
        "onerror=alert(1)&gt;</p>"
    ) in html
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in html
    assert "“&lt;i&gt;kw&lt;/i&gt;”" in html
    # a URL with < and > is not a real (percent-encoded) URL: shown nowhere as a link
    links = [h for h in re.findall(r'href="([^"]*)"', html) if not h.startswith("#item-")]
    assert links == [] and "b=<2>" not in html
    # the plain-text part shows the text as written (it is not HTML)
    assert title in rendered.text


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://www.govinfo.gov/content/pkg/FR-2023-02-01/pdf/2023-02130.pdf", "www.govinfo.gov"),
        ("HTTP://Example.ORG", "example.org"),
        ("https://example.org:8443/a?b=c#d", "example.org"),
        ("https://www.govinfo.gov@evil.example/x.pdf", None),
        ("https://evil.example:80@www.govinfo.gov/", None),
        ("https://example.org/a b", None),
        ('https://example.org/"onmouseover="x', None),
        ("ftp://example.org/x", None),
        ("//example.org/x", None),
    ],
)
def test_link_hosts_are_shown_truthfully(url, host):
    from regwatch.digest._render import _link

    link = _link(url)
    assert (link.host if link else None) == host


def test_only_http_links_become_links():
    event = stored(1, url="javascript:alert(1)", data={"pdf_url": "data:text/html,<b>x"})
    rendered = render(digest_of([(reason(1), event)]))
    assert "javascript:" not in rendered.html and "data:text" not in rendered.html
    assert "Source:" not in rendered.text and "Official text" not in rendered.text


def test_header_injection_in_a_title_never_reaches_a_header():
    title = "Entity List rule\r\nBcc: victim@example.org\r\nX-Evil: 1\n\nbody"
    event = stored(
        1,
        kind=EventKind.ENTITY_ADDED,
        title=title,
        entity=Entity("Evil Corp\r\nCc: other@example.org"),
    )
    rendered = render(digest_of([(entity_reason(1, "alert", 1.0, "Evil Corp"), event)]))
    assert "\r" not in rendered.subject and "\n" not in rendered.subject
    parsed = parts(rendered)
    assert parsed["Bcc"] is None and parsed["Cc"] is None and parsed["X-Evil"] is None
    assert parsed["Subject"] == (
        '[regwatch] Acme "Corp" & Sons: 1 critical — Your watched party Evil Corp was added to '
        "a restricted-party list"
    )
    assert "In: Entity List rule Bcc: victim@example.org X-Evil: 1 body" in rendered.text


def test_a_10000_character_title_is_truncated_in_the_subject_and_bounded_in_the_body():
    title = "Export controls " + "very " * 2000 + "long"
    assert len(title) > 10_000
    rendered = render(digest_of([(reason(1, "alert"), stored(1, title=title))]))
    assert len(rendered.subject) < 160 and rendered.subject.endswith("…")
    parsed = parts(rendered)
    assert parsed["Subject"] == rendered.subject  # folded on the wire, whole when read back
    headline = next(line for line in rendered.text.splitlines() if line.startswith("  Export"))
    assert len(headline) <= 1002 and headline.endswith("…")
    assert len(rendered.html) < 20_000


def test_control_and_bidi_characters_are_removed():
    sneaky = "Good\u202eCo\x1b[31m red\x00 null\u2028next"
    assert one_line(sneaky) == "Good Co [31m red null next"
    rendered = render(digest_of([(reason(1), stored(1, title=sneaky))]))
    for bad in ("\u202e", "\x1b", "\x00", "\u2028"):
        assert bad not in rendered.text and bad not in rendered.html and bad not in rendered.subject


def test_a_message_has_both_parts_and_safe_headers():
    rendered = render(digest_of([(reason(1, "alert"), stored(1, title="日本語のタイトル"))]))
    parsed = parts(rendered)
    assert parsed.get_content_type() == "multipart/alternative"
    plain, html = parsed.iter_parts()
    assert plain.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert "日本語のタイトル" in plain.get_content() and "日本語のタイトル" in html.get_content()
    assert parsed["Subject"].endswith("“日本語のタイトル”")
    assert parsed["Auto-Submitted"] == "auto-generated"
    raw = parsed.as_bytes()
    assert max(len(line) for line in raw.split(b"\n")) <= 998  # SMTP line limit


def _as_the_email_package_writes_it(rendered, boundary, headers):
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = Address("régwatch 監視", addr_spec="regwatch@example.org")
    message["To"] = Address("Ｃｏｍｐｌｉａｎｃｅ", addr_spec="compliance@acme.example")
    message["Date"] = format_datetime(NOW)
    message["Message-ID"] = "<t.1@example.org>"
    message["Auto-Submitted"] = "auto-generated"
    for name, value in headers.items():
        message[name] = value
    message["MIME-Version"] = "1.0"
    message["Content-Type"] = f'multipart/alternative; boundary="{boundary}"'
    for subtype, body in (("plain", rendered.text), ("html", rendered.html)):
        part = EmailMessage()
        part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
        part["Content-Transfer-Encoding"] = "base64"
        part.set_payload(base64.encodebytes(body.encode("utf-8")).decode("ascii"))
        message.attach(part)
    return message.as_bytes(policy=SMTP)


def test_a_message_is_byte_for_byte_what_the_email_package_writes(monkeypatch):
    # long non-ASCII subject, display names and list headers: every header folded and
    # encoded the way the policy does it
    title = "経済産業省 外国ユーザーリストの改正について " * 6
    rendered = render(digest_of([(reason(1, "alert"), stored(1, title=title))]))
    headers = {
        "List-Id": '"Acme 株式会社 regwatch digest" <acme.regwatch.example.org>',
        "List-Unsubscribe": "<mailto:ops@example.org?subject=unsubscribe%20compliance>",
        "X-Regwatch-Period": "daily:2026-11-28",
    }
    monkeypatch.setattr(_mime.secrets, "token_hex", lambda n: "0123456789abcdef01234567")
    for _ in range(2):  # the second time from the folded-header cache
        data = message_bytes(
            rendered,
            sender=Address("régwatch 監視", addr_spec="regwatch@example.org"),
            to=Address("Ｃｏｍｐｌｉａｎｃｅ", addr_spec="compliance@acme.example"),
            message_id="<t.1@example.org>",
            date=NOW,
            headers=headers,
        )
        expected = _as_the_email_package_writes_it(
            rendered, "=_regwatch.0123456789abcdef01234567", headers
        )
        assert data == expected


def test_templates_are_strict_and_the_html_environment_escapes_every_template():
    with pytest.raises(UndefinedError):
        _TEXT.from_string("{{ missing }}").render()
    with pytest.raises(UndefinedError):
        _HTML.get_template("digest.html").render({})
    # autoescape does not depend on the file name (select_autoescape would skip "*.j2")
    assert _HTML.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    assert _TEXT.from_string("{{ x }}").render(x="<b>") == "<b>"


def test_the_templates_folder_is_the_packaged_one():
    """The repository has ``templates/`` at the top; the package ships the same files."""
    from pathlib import Path

    import regwatch

    repo_templates = Path(__file__).resolve().parents[2] / "templates"
    packaged = Path(regwatch.__file__).parent / "templates"
    # the same files, whether regwatch is installed from a wheel or in editable mode
    assert {p.name: p.read_bytes() for p in repo_templates.iterdir()} == {
        p.name: p.read_bytes() for p in packaged.iterdir() if p.is_file()
    }
    assert {p.name for p in packaged.iterdir()} >= {"digest.html", "digest.txt"}


@pytest.mark.parametrize(
    "size", [0, 1, 56, 57, 58, 57 * 64 - 1, 57 * 64, 57 * 64 + 1, 57 * 200 + 5]
)
def test_base64_bodies_are_cut_into_lines_as_the_email_package_cuts_them(size):
    body = ("日本語 abc " * size)[:size]
    expected = base64.encodebytes(body.encode("utf-8")).replace(b"\n", b"\r\n")
    assert _mime._base64_lines(body) == expected


def test_a_long_unsubscribe_link_reaches_the_client_as_a_link_not_encoded_words():
    rendered = render(digest_of([(reason(1, "alert"), stored(1))]))
    link = (
        "<mailto:ops@example.org?subject=unsubscribe%20compliance%40acme.example%20from%20"
        "Acme%20Corp%20digests>"
    )
    short = "<https://regwatch.example.org/unsubscribe/abc>"
    for value in (link, short):
        data = message_bytes(
            rendered,
            sender=Address(addr_spec="regwatch@example.org"),
            to=Address(addr_spec="compliance@acme.example"),
            message_id="<t.1@example.org>",
            date=NOW,
            headers={"List-Unsubscribe": value},
        )
        assert f"\r\nList-Unsubscribe: {value}\r\n".encode() in data
        assert b"=?utf-8?" not in data.split(b"\r\n\r\n", 1)[0].split(b"List-Unsubscribe")[1]
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        assert parsed["List-Unsubscribe"] == value
