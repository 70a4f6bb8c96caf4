"""Handing messages over: to an SMTP server (STARTTLS or implicit TLS, with authentication), or,
when no server is configured, to ``.eml`` files in the outbox directory.

Passwords come from ``REGWATCH_SMTP_URL`` and go nowhere else: every description and error names
the server as ``host:port`` (or the URL with ``***`` for the password), and smtplib's debug
output, which would show the AUTH exchange, is never turned on.
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import quote, unquote, urlsplit

from .._masking import mask_url
from ..exceptions import ConfigError, DeliveryError

__all__ = [
    "FileOutbox",
    "Progress",
    "SmtpTransport",
    "SmtpUrl",
    "Transport",
    "parse_smtp_url",
    "redact_url",
]

Security = Literal["plain", "starttls", "tls"]
Progress = Callable[[str], None]

#: scheme → (security, default port)
_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("plain", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}


def redact_url(url: str) -> str:
    """``url`` with the password, if any, replaced by ``***`` (see :func:`mask_url`)."""
    return mask_url(url)


@dataclass(frozen=True)
class SmtpUrl:
    """A parsed ``REGWATCH_SMTP_URL``; ``str()`` never shows the password."""

    security: Security
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def scheme(self) -> str:
        return next(s for s, (sec, _) in _SCHEMES.items() if sec == self.security)

    def __str__(self) -> str:
        user = f"{quote(self.username, safe='')}:***@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{user}{host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpUrl:
    """``smtp://host[:25]``, ``smtp+starttls://user:pass@host[:587]`` or
    ``smtps://user:pass@host[:465]``; user and password are percent-decoded.

    :raises ConfigError: naming what is wrong, with the password masked.
    """
    shown = f"REGWATCH_SMTP_URL={redact_url(url)!r}"
    expected = (
        "expected smtp://host:25, smtp+starttls://user:pass@host:587 or smtps://user:pass@host:465"
    )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        # the exception text may quote parts of the URL, so it is not repeated
        raise ConfigError(f"{shown}: not a valid URL (bad host or port); {expected}") from None
    if parts.scheme not in _SCHEMES:
        raise ConfigError(f"{shown}: unknown scheme {parts.scheme!r}; {expected}")
    if not parts.hostname:
        raise ConfigError(f"{shown}: no host; {expected}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(f"{shown}: unexpected path or query; {expected}")
    security, default_port = _SCHEMES[parts.scheme]
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and not username:
        raise ConfigError(f"{shown}: a password without a user name")
    if username and security == "plain":
        raise ConfigError(
            f"{shown}: smtp:// would send the password unencrypted; "
            "use smtp+starttls:// or smtps://"
        )
    return SmtpUrl(security, parts.hostname, port or default_port, username, password or "")


class Transport(Protocol):
    """Something that takes a finished message off regwatch's hands."""

    def describe(self) -> str:
        """Where messages go, fit for logs and the audit trail (no secrets)."""
        ...

    def send(
        self,
        message: bytes,
        message_id: str,
        sender: str,
        recipients: Sequence[str],
        progress: Progress | None = None,
    ) -> str:
        """Hand over ``message`` (a whole RFC 5322 message, CRLF line ends); returns where it
        went.

        :raises DeliveryError: it was not accepted (for every recipient), saying why.
        """
        ...


def _quiet(_: str) -> None:
    pass


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__


class SmtpTransport:
    """One SMTP connection per message: connect, (STARTTLS), (AUTH), MAIL, RCPT, DATA, QUIT.

    Server certificates are verified against the system's CA store (a private CA can be
    given with ``SSL_CERT_FILE``).
    """

    def __init__(self, url: SmtpUrl, *, timeout: float = 30.0) -> None:
        self.url = url
        self.timeout = timeout

    def describe(self) -> str:
        return str(self.url)

    def send(
        self,
        message: bytes,
        message_id: str,
        sender: str,
        recipients: Sequence[str],
        progress: Progress | None = None,
    ) -> str:
        say = progress or _quiet
        url = self.url
        where = f"{url.host}:{url.port}"
        context = ssl.create_default_context()
        try:
            if url.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    url.host, url.port, timeout=self.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(url.host, url.port, timeout=self.timeout)
        except ssl.SSLError as exc:
            raise DeliveryError(f"{where}: TLS handshake failed: {_reason(exc)}") from None
        except smtplib.SMTPConnectError as exc:
            reply = _reply(exc.smtp_code, exc.smtp_error)
            raise DeliveryError(f"{where}: the server refused the connection: {reply}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"cannot connect to {where}: {_reason(exc)}") from None
        with smtp:
            tls = f" over TLS ({_tls_version(smtp)})" if url.security == "tls" else ""
            say(f"connected to {where}{tls}")
            try:
                self._converse(smtp, where, context, message, sender, recipients, say)
            except smtplib.SMTPAuthenticationError as exc:
                raise DeliveryError(
                    f"{where}: authentication as {url.username!r} failed: "
                    f"{_reply(exc.smtp_code, exc.smtp_error)}"
                ) from None
            except smtplib.SMTPRecipientsRefused as exc:
                refused = "; ".join(
                    f"<{addr}> {_reply(code, text)}"
                    for addr, (code, text) in exc.recipients.items()
                )
                raise DeliveryError(f"{where}: recipient refused: {refused}") from None
            except smtplib.SMTPSenderRefused as exc:
                raise DeliveryError(
                    f"{where}: sender <{sender}> refused: {_reply(exc.smtp_code, exc.smtp_error)}"
                ) from None
            except smtplib.SMTPDataError as exc:
                raise DeliveryError(
                    f"{where}: message refused: {_reply(exc.smtp_code, exc.smtp_error)}"
                ) from None
            except smtplib.SMTPResponseException as exc:
                raise DeliveryError(
                    f"{where}: unexpected answer: {_reply(exc.smtp_code, exc.smtp_error)}"
                ) from None
            except ssl.SSLError as exc:
                raise DeliveryError(f"{where}: TLS failed: {_reason(exc)}") from None
            except (OSError, smtplib.SMTPException) as exc:
                raise DeliveryError(f"{where}: connection lost: {_reason(exc)}") from None
        return self.describe()

    def _converse(
        self,
        smtp: smtplib.SMTP,
        where: str,
        context: ssl.SSLContext,
        message: bytes,
        sender: str,
        recipients: Sequence[str],
        say: Progress,
    ) -> None:
        url = self.url
        smtp.ehlo()
        if url.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise DeliveryError(
                    f"{where} does not offer STARTTLS; refusing to continue unencrypted "
                    "(use smtps:// for implicit TLS)"
                )
            smtp.starttls(context=context)
            smtp.ehlo()
            say(f"STARTTLS: encrypted ({_tls_version(smtp)}), certificate verified")
        elif url.security == "plain":
            say("no TLS (smtp://): the message travels unencrypted")
        if url.username:
            if not smtp.has_extn("auth"):
                raise DeliveryError(
                    f"{where} does not offer AUTH; cannot log in as {url.username!r}"
                )
            smtp.login(url.username, url.password or "")
            say(f"authenticated as {url.username!r}")
        else:
            say("no authentication (no user in REGWATCH_SMTP_URL)")
        refused = smtp.sendmail(sender, list(recipients), message)
        accepted = [r for r in recipients if r not in refused]
        for addr, (code, text) in refused.items():
            say(f"recipient refused: <{addr}> {_reply(code, text)}")
        say(f"accepted for {', '.join(f'<{a}>' for a in accepted)}")


def _tls_version(smtp: smtplib.SMTP) -> str:
    sock = smtp.sock
    version = sock.version() if isinstance(sock, ssl.SSLSocket) else None
    return version or "TLS"


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class FileOutbox:
    """Writes each message as an ``.eml`` file (CRLF line ends, exactly as SMTP would carry it).

    The file is named after the Message-ID, so a retried digest replaces its own file, and
    written to a temporary name first, so that a crash never leaves half a message behind.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def describe(self) -> str:
        return f"outbox {self.directory}"

    def path_for(self, message_id: str) -> Path:
        local = message_id.strip().strip("<>").split("@", 1)[0] or "message"
        return self.directory / f"{_UNSAFE_NAME.sub('_', local)[:150]}.eml"

    def send(
        self,
        message: bytes,
        message_id: str,
        sender: str,
        recipients: Sequence[str],
        progress: Progress | None = None,
    ) -> str:
        path = self.path_for(message_id)
        tmp = path.with_suffix(".eml.tmp")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(message)
            os.replace(tmp, path)
        except OSError as exc:
            # a full disk (or a quota) leaves no half-written temporary file behind
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise DeliveryError(f"cannot write {path}: {exc.strerror or exc}") from None
        (progress or _quiet)(f"no SMTP server configured (REGWATCH_SMTP_URL): wrote {path}")
        return str(path)
