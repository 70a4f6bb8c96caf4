"""Watch-list settings for digests: channels per recipient, party roles, severity overrides,
what info items do, and one-click unsubscribe."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

from sqlalchemy import text

from regwatch.digest import send_due
from regwatch.store._recipients import unsubscribe
from tests.digest.conftest import NOW
from tests.support.digestdata import add_recipient, seed_sample

WATCHLIST = """\
company: Acme Corp
recipients:
  - email: compliance@acme.example
    cadence: daily
    at: "08:00"
    timezone: Asia/Tokyo
    info: collapse
    channels:
      - webhook: https://hooks.acme.example/regwatch?token=abc
        secret_env: ACME_HOOK_SECRET
        body: match
        cadence: immediate
      - chat: json://127.0.0.1:9/chat
        cadence: daily
        info: omit
watch:
  entities:
    - name: Hangzhou Lianxin Microelectronics
      country: CN
      role: customer
  keywords:
    - semiconductor
    - {value: 外国ユーザーリスト, severity: high}
  eccns: [3A090]
"""


def test_a_recipient_with_channels_is_one_row_per_destination(cli, store, tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(WATCHLIST, encoding="utf-8")
    result = cli("watch", "import", str(path))
    assert result.code == 0, result
    with store.read() as conn:
        rows = list(
            conn.execute(
                text(
                    "SELECT email, channel, target, cadence, info, options, unsubscribe_token "
                    "FROM recipient ORDER BY id"
                )
            )
        )
    assert [(r.channel, r.cadence, r.info) for r in rows] == [
        ("email", "daily", "collapse"),
        ("webhook", "immediate", "collapse"),
        ("chat", "daily", "omit"),
    ]
    assert {r.email for r in rows} == {"compliance@acme.example"}
    webhook = rows[1]
    assert webhook.target == "https://hooks.acme.example/regwatch?token=abc"
    assert json.loads(webhook.options) == {"secret_env": "ACME_HOOK_SECRET", "body": "match"}
    assert all(r.unsubscribe_token and len(r.unsubscribe_token) >= 32 for r in rows)
    with store.read() as conn:
        items = {
            r.value: json.loads(r.spec)
            for r in conn.execute(text("SELECT value, spec FROM watch_item"))
        }
    assert items["Hangzhou Lianxin Microelectronics"]["role"] == "customer"
    assert items["外国ユーザーリスト"]["severity"] == "high"
    assert "severity" not in items["semiconductor"]
    # importing again keeps every row (and its token): nothing is duplicated
    assert cli("watch", "import", str(path)).code == 0
    with store.read() as conn:
        tokens = [
            r[0] for r in conn.execute(text("SELECT unsubscribe_token FROM recipient ORDER BY id"))
        ]
    assert tokens == [r.unsubscribe_token for r in rows]


def test_bad_channels_are_refused_with_the_line_and_what_was_expected(cli, tmp_path):
    bad = WATCHLIST.replace("        secret_env: ACME_HOOK_SECRET\n", "").replace(
        "json://127.0.0.1:9/chat", "nosuchservice://x"
    )
    path = tmp_path / "bad.yaml"
    path.write_text(bad, encoding="utf-8")
    result = cli("watch", "import", str(path))
    assert result.code == 2, result
    assert "secret_env: a webhook needs the name of the environment variable" in result.stderr
    assert "chat: Apprise cannot read this URL" in result.stderr
    assert f"{path}:" in result.stderr
    wrong_level = WATCHLIST.replace("severity: high", "severity: urgent")
    path.write_text(wrong_level, encoding="utf-8")
    result = cli("watch", "import", str(path))
    assert result.code == 2 and "severity" in result.stderr and "critical" in result.stderr


def _sent(tmp_path: Path, outcome):
    return email.message_from_bytes(Path(outcome.detail).read_bytes(), policy=email.policy.default)


def _outbox(monkeypatch, tmp_path):
    monkeypatch.delenv("REGWATCH_SMTP_URL", raising=False)
    monkeypatch.setenv("REGWATCH_OUTBOX", str(tmp_path / "out"))
    monkeypatch.setenv("REGWATCH_MAIL_FROM", "regwatch@example.org")


def test_info_items_collapsed_to_one_line_each(store, config, tmp_path, monkeypatch):
    _outbox(monkeypatch, tmp_path)
    seeded = seed_sample(store)
    add_recipient(store, seeded["company_id"], "brief@acme.example", info="collapse")
    (outcome,) = send_due(store, config.general.digest, NOW).outcomes
    body = _sent(tmp_path, outcome).get_body(("plain",)).get_content()
    info = body.split("== Info: keywords, countries, topics (4) ==\n", 1)[1].split("\n--\n")[0]
    lines = [line for line in info.splitlines() if line]
    assert len(lines) == 4 and all(line.startswith("- ") for line in lines)
    assert "Matched:" not in info and "[CRITICAL] Added to the Entity List" in body


def test_info_items_left_out_are_never_delivered_to_that_recipient(
    store, config, tmp_path, monkeypatch
):
    _outbox(monkeypatch, tmp_path)
    seeded = seed_sample(store)
    add_recipient(store, seeded["company_id"], "brief@acme.example", info="omit")
    (outcome,) = send_due(store, config.general.digest, NOW).outcomes
    message = _sent(tmp_path, outcome)
    assert message["Subject"].startswith("[regwatch] Acme Corp: 2 critical, 1 high — ")
    assert "[INFO]" not in message.get_body(("plain",)).get_content()
    # the three listings and the rule's ECCN match; not the rule's keyword match, which is info
    assert outcome.matches == 3


def test_one_click_unsubscribe_when_the_web_page_is_configured(
    store, config, tmp_path, monkeypatch
):
    _outbox(monkeypatch, tmp_path)
    config.general.digest.web_url = "https://regwatch.example.org/"
    seeded = seed_sample(store)
    add_recipient(store, seeded["company_id"], "ok@acme.example", unsubscribe_token="tok-123")
    (outcome,) = send_due(store, config.general.digest, NOW).outcomes
    message = _sent(tmp_path, outcome)
    link = "https://regwatch.example.org/unsubscribe/tok-123"
    assert message["List-Unsubscribe"] == f"<{link}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"] == '"Acme Corp regwatch digest" <acme-corp.regwatch.example.org>'
    assert f'<a href="{link}"' in message.get_body(("html",)).get_content()
    # what the web page does with the link: the recipient is unsubscribed, once
    with store.write() as conn:
        assert unsubscribe(conn, "tok-123", NOW) == ("Acme Corp", "ok@acme.example")
        assert unsubscribe(conn, "tok-123", NOW) is None  # already done
        assert unsubscribe(conn, "no-such-token", NOW) is None
    seed_more = send_due(store, config.general.digest, NOW.replace(day=29))
    assert seed_more.outcomes == []  # no more digests to an unsubscribed recipient


def test_without_a_web_page_unsubscribing_is_a_mail_to_the_operator(
    store, config, tmp_path, monkeypatch
):
    _outbox(monkeypatch, tmp_path)
    seeded = seed_sample(store)
    add_recipient(store, seeded["company_id"], "ok@acme.example", unsubscribe_token="tok-123")
    (outcome,) = send_due(store, config.general.digest, NOW, operator="ops@acme.example").outcomes
    message = _sent(tmp_path, outcome)
    assert message["List-Unsubscribe"] == (
        "<mailto:ops@acme.example?subject=unsubscribe%20ok%40acme.example%20from%20Acme%20Corp"
        "%20digests>"
    )
    assert message["List-Unsubscribe-Post"] is None


def test_japanese_items_carry_lang_and_the_english_title(store, config, tmp_path, monkeypatch):
    _outbox(monkeypatch, tmp_path)
    seeded = seed_sample(store)
    add_recipient(store, seeded["company_id"], "ok@acme.example")
    (outcome,) = send_due(store, config.general.digest, NOW).outcomes
    html = _sent(tmp_path, outcome).get_body(("html",)).get_content()
    assert '<span lang="ja">外国ユーザーリストを改正しました</span>' in html
    assert 'lang="en"' in html and "English title: Revision of the End User List" in html
    # Chinese aliases in an English item are not marked Japanese
    assert 'lang="ja">示例' not in html
