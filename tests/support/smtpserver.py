"""A real SMTP server on 127.0.0.1 for the mail tests: aiosmtpd's ``Controller`` in a thread.

It records every message it accepts, can refuse chosen recipients (``550``), can require
STARTTLS or speak implicit TLS with a self-signed certificate, and can require authentication.
``Controller(port=0)`` does not work (its readiness probe connects to port 0, aiosmtpd#388), so
a free port is found first; the race with another process taking it is acceptable in tests.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

__all__ = ["MailServer", "Received", "free_port", "make_certificate"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for ``127.0.0.1`` and ``localhost``: ``(cert.pem, key.pem)``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "regwatch test SMTP")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Controller(Controller):  # type: ignore[misc]
    def factory(self) -> Any:
        smtp = super().factory()
        if self.ssl_context is not None:
            # Implicit TLS is TLS too, but aiosmtpd only counts STARTTLS as such (and warns
            # when told not to require TLS for AUTH).
            smtp._auth_require_tls = False
        return smtp


@dataclass
class Received:
    """One accepted message: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class _Handler:
    refuse: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    #: every RCPT TO seen, accepted or not (to know a client is mid-conversation)
    rcpt_seen: list[str] = field(default_factory=list)
    #: seconds to wait before answering RCPT TO, and after queueing a message before answering
    #: its DATA (a slow server)
    delay_rcpt: float = 0.0
    delay_data: float = 0.0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        self.rcpt_seen.append(address)
        if self.delay_rcpt:
            await asyncio.sleep(self.delay_rcpt)
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = bytes(envelope.content)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, raw))
        if self.delay_data:
            # Like a real MTA: the message is queued before the reply, which is slow to come.
            await asyncio.sleep(self.delay_data)
        return "250 2.0.0 Ok: queued as TEST"


class MailServer:
    """``with MailServer() as server: ... server.received``.

    :param tls: ``none``, ``starttls`` (required before MAIL) or ``implicit`` (SMTPS).
    :param certificate: ``(cert, key)`` paths; needed for TLS.
    :param users: ``{login: password}``; when given, AUTH is required before MAIL.
    :param refuse: recipients answered with 550.
    :param port: a fixed port (to restart a server where a client expects it).
    """

    def __init__(
        self,
        *,
        tls: Literal["none", "starttls", "implicit"] = "none",
        certificate: tuple[Path, Path] | None = None,
        users: dict[str, str] | None = None,
        refuse: set[str] | None = None,
        port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.handler = _Handler(refuse=set(refuse or ()))
        self.users = users
        self.auth_attempts: list[str] = []
        kwargs: dict[str, Any] = {}
        if tls != "none":
            assert certificate is not None, "TLS needs a certificate"
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*map(str, certificate))
            if tls == "starttls":
                kwargs.update(tls_context=context, require_starttls=True)
            else:
                kwargs.update(ssl_context=context)
        if users is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True)
        self.controller = _Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)
        self.running = False

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert self.users is not None
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.auth_attempts.append(login)
        return AuthResult(success=self.users.get(login) == password, handled=False)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def refuse(self) -> set[str]:
        return self.handler.refuse

    def start(self) -> MailServer:
        self.controller.start()
        self.running = True
        return self

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False

    def __enter__(self) -> MailServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
