"""Handing a message over: one claimed delivery (render, build, flatten, send), and the test
message of ``regwatch test-email``.

It touches no database and never raises: whatever goes wrong is returned as the error of that
delivery alone, so that one recipient's failure never stops the others.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from urllib.parse import quote

from anyascii import anyascii

from ..exceptions import DeliveryError
from ..timeutil import utcnow
from ._channels import ChannelError, Channels, chat_message
from ._mime import message_bytes
from ._model import Digest, RecipientInfo
from ._render import View, one_line, render, subject_line
from ._settings import DigestSettings, MailSettings, parse_address
from ._smtp import Progress, Transport

__all__ = [
    "Done",
    "Job",
    "deliver",
    "deliver_channel",
    "list_headers",
    "send_notice",
    "send_test_email",
]

log = logging.getLogger("regwatch.digest")


@dataclass(frozen=True)
class Job:
    """One claimed delivery."""

    delivery_id: int
    period: str
    message_id: str
    sender: Address
    to: str
    date: datetime
    digest: Digest
    #: ``List-Id``, ``List-Unsubscribe`` (and ``List-Unsubscribe-Post`` for one click)
    list_headers: Mapping[str, str] = field(default_factory=dict)
    #: the unsubscribe link the footer shows
    unsubscribe: str | None = None


def _slug(text: str) -> str:
    ascii_text = anyascii(text).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:60] or "company"


def list_headers(
    person: RecipientInfo, settings: DigestSettings, operator: str, domain: str
) -> tuple[dict[str, str], str]:
    """The mailing-list headers of a digest (RFC 2919, 2369, 8058) and the unsubscribe link.

    One click (``List-Unsubscribe-Post``) when the web page is configured and the recipient has
    a token; otherwise a ``mailto:`` the operator receives, saying who wants to leave.
    """
    company = one_line(person.company, 80).replace('"', "'")
    headers = {
        "List-Id": f'"{company} regwatch digest" <{_slug(person.company)}.regwatch.{domain}>'
    }
    if settings.web_url and person.unsubscribe_token:
        link = f"{settings.web_url.rstrip('/')}/unsubscribe/{quote(person.unsubscribe_token)}"
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        return headers, link
    subject = quote(f"unsubscribe {person.email} from {person.company} digests")
    link = f"mailto:{operator}?subject={subject}"
    headers["List-Unsubscribe"] = f"<{link}>"
    return headers, link


@dataclass(frozen=True)
class Done:
    """How one delivery went: ``where`` it went, or the ``error`` that stopped it."""

    job: Job
    subject: str | None = None
    where: str | None = None
    error: str | None = None
    #: the error is not a refusal but a bug (logged with its traceback where it happened)
    internal: bool = False
    #: the receiver refused for good (a webhook's 4xx that means never): no more retries
    permanent: bool = False


def deliver_channel(job: Job, channels: Channels, web_url: str | None) -> Done:
    """Send one delivery to a webhook or chat channel; never raises, like :func:`deliver`."""
    person = job.digest.recipient
    subject = None
    try:
        if person.channel == "webhook":
            subject = subject_line(job.digest)
            where = channels.send_webhook(
                person.target,
                person.options,
                job.digest,
                job.delivery_id,
                job.period,
                job.date,
                web_url,
            )
        elif person.channel == "chat":
            title, body = chat_message(job.digest, web_url)
            subject = title
            where = channels.send_chat(person.target, title, body)
        else:
            raise ChannelError(f"unknown channel {person.channel!r}", permanent=True)
    except ChannelError as exc:
        return Done(job, subject, error=str(exc), permanent=exc.permanent)
    except Exception as exc:  # a bug must fail one delivery, not the batch
        log.exception("delivery %s failed", job.delivery_id)
        return Done(job, subject, error=f"{type(exc).__name__}: {exc}", internal=True)
    return Done(job, subject, where=where)


def deliver(job: Job, transport: Transport, views: dict[int, View] | None = None) -> Done:
    """Render, flatten and send one digest; never raises (the error is returned, for that
    delivery alone).  ``views``: see :func:`~regwatch.digest._render.digest_context`."""
    subject = None
    try:
        to = parse_address(job.to, "recipient")
        sender = job.sender
        rendered = render(
            job.digest, {"id": job.delivery_id, "period": job.period}, views, job.unsubscribe
        )
        subject = rendered.subject
        data = message_bytes(
            rendered,
            sender=sender,
            to=to,
            message_id=job.message_id,
            date=job.date,
            headers={
                **job.list_headers,
                "X-Regwatch-Delivery": str(job.delivery_id),
                "X-Regwatch-Period": job.period,
            },
        )
        where = transport.send(data, job.message_id, sender.addr_spec, [to.addr_spec])
    except (DeliveryError, ValueError) as exc:
        return Done(job, subject, error=str(exc))
    except Exception as exc:  # a bug must fail one delivery, not the batch
        log.exception("delivery %s failed", job.delivery_id)
        return Done(job, subject, error=f"{type(exc).__name__}: {exc}", internal=True)
    return Done(job, subject, where=where)


def send_notice(
    address: str,
    subject: str,
    body: str,
    mail: MailSettings,
    settings: DigestSettings,
    progress: Progress | None = None,
    now: datetime | None = None,
    what: str = "address",
) -> str:
    """Send a plain-text message (a test message, an ops notice) to ``address``.

    :raises ValueError: ``address`` is not one e-mail address.
    :raises DeliveryError: the server did not take it, saying at which step and why.
    """
    to: Address = parse_address(address, what)
    now = now or utcnow()
    transport = mail.transport(settings.smtp_timeout)
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())  # never a line break in a header
    message["From"] = mail.sender
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid("regwatch", domain=mail.sender.domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return transport.send(
        message.as_bytes(policy=SMTP),
        str(message["Message-ID"]),
        mail.sender.addr_spec,
        [to.addr_spec],
        progress,
    )


def send_test_email(
    address: str,
    mail: MailSettings,
    settings: DigestSettings,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> str:
    """Send a short test message to ``address``, reporting each step through ``progress``.

    :raises ValueError: ``address`` is not one e-mail address.
    :raises DeliveryError: the server did not take it, saying at which step and why.
    """
    now = now or utcnow()
    body = (
        "This is a test message from regwatch.\n\n"
        f"It was sent through {mail.transport(settings.smtp_timeout).describe()} "
        f"from {mail.sender.addr_spec} "
        f"at {now:%Y-%m-%d %H:%M:%S} UTC.\n"
        "If you can read it, digests to this address will arrive the same way.\n"
    )
    return send_notice(
        address, "[regwatch] test message", body, mail, settings, progress, now, what="ADDRESS"
    )
