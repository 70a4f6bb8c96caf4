"""Golden files: the digest of a fixed set of events and matches, as delivered (HTML and text).

The sample data is ``tests/support/digestdata.py:seed_sample``; the golden files are in
``tests/data/digest/``.  After an intended change to the templates or the rendering,
regenerate them and review the diff::

    REGWATCH_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/digest/test_golden.py
"""

from __future__ import annotations

import email
import email.policy
import os
from pathlib import Path

from regwatch.digest import send_due
from tests.digest.conftest import NOW
from tests.support.digestdata import add_recipient, seed_sample

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "digest"
UPDATE = os.environ.get("REGWATCH_UPDATE_GOLDEN") == "1"


def _check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == actual, (
        f"{path} differs; if the change is intended, regenerate it (see this module's docstring)"
    )


def test_golden_digest(store, config, tmp_path, monkeypatch):
    seeded = seed_sample(store)
    add_recipient(
        store,
        seeded["company_id"],
        "compliance@acme.example",
        cadence="daily",
        at="08:00",
        timezone="Asia/Tokyo",
    )
    monkeypatch.delenv("REGWATCH_SMTP_URL", raising=False)
    monkeypatch.setenv("REGWATCH_OUTBOX", str(tmp_path / "out"))
    monkeypatch.setenv("REGWATCH_MAIL_FROM", "regwatch <regwatch@example.org>")
    (outcome,) = send_due(store, config.general.digest, NOW).outcomes
    assert outcome.status == "sent"
    message = email.message_from_bytes(
        Path(outcome.detail).read_bytes(), policy=email.policy.default
    )
    headers = "".join(
        f"{name}: {message[name]}\n"
        for name in ("From", "To", "Subject", "Date", "Auto-Submitted", "X-Regwatch-Period")
    )
    _check("acme_daily.headers.txt", headers)
    _check("acme_daily.txt", message.get_body(("plain",)).get_content())
    _check("acme_daily.html", message.get_body(("html",)).get_content())
