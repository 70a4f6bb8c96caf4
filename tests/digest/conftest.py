"""Fixtures for the digest tests: a real SQLite store, real SMTP servers on 127.0.0.1, and a
self-signed certificate the client is told to trust (through ``SSL_CERT_FILE``, as an operator
with a private CA would)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.headerregistry import Address
from pathlib import Path
from typing import Any

import pytest

from regwatch.config import Config
from regwatch.digest import MailSettings, SmtpUrl
from regwatch.store import Store
from tests.support.smtpserver import MailServer, make_certificate

#: 09:30 in Tokyo on 28 November 2026: a daily 08:00 Asia/Tokyo digest is due
NOW = datetime(2026, 11, 28, 0, 30, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """The same database file the ``cli`` fixture points REGWATCH_DB at."""
    with Store.open(f"sqlite:///{tmp_path / 'regwatch.db'}", create=True) as opened:
        yield opened


@pytest.fixture
def config() -> Config:
    return Config(path=None)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trust(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    return certificate[0]


@pytest.fixture
def mail_server() -> Iterator[Callable[..., MailServer]]:
    """``mail_server(tls=..., users=..., refuse=..., port=..., start=True)``; all stopped after."""
    servers: list[MailServer] = []

    def make(start: bool = True, **kw: Any) -> MailServer:
        server = MailServer(**kw)
        servers.append(server)
        return server.start() if start else server

    yield make
    for server in servers:
        server.stop()


def smtp_mail(port: int, tmp_path: Path) -> MailSettings:
    return MailSettings(
        smtp=SmtpUrl("plain", "127.0.0.1", port),
        sender=Address("regwatch", addr_spec="regwatch@example.org"),
        outbox=tmp_path / "outbox",
    )
