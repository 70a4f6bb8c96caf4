"""Handing a message over: one claimed delivery (render, build, flatten, send), and the test
message of ``regwatch test-email``.

It touches no database and never raises: whatever goes wrong is returned as the error of that
delivery alone, so that one recipient's failure never stops the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from ..exceptions import DeliveryError
from ..timeutil import utcnow
from ._model import Digest
from ._render import View, build_message, flatten, render
from ._settings import DigestSettings, MailSettings, parse_address
from ._smtp import Progress, Transport

__all__ = ["Done", "Job", "deliver", "send_test_email"]

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


@dataclass(frozen=True)
class Done:
    """How one delivery went: ``where`` it went, or the ``error`` that stopped it."""

    job: Job
    subject: str | None = None
    where: str | None = None
    error: str | None = None
    #: the error is not a refusal but a bug (logged with its traceback where it happened)
    internal: bool = False


def deliver(job: Job, transport: Transport, views: dict[int, View] | None = None) -> Done:
    """Render, flatten and send one digest; never raises (the error is returned, for that
    delivery alone).  ``views``: see :func:`~regwatch.digest._render.digest_context`."""
    subject = None
    try:
        to = parse_address(job.to, "recipient")
        sender = job.sender
        rendered = render(job.digest, {"id": job.delivery_id, "period": job.period}, views)
        subject = rendered.subject
        message = build_message(
            rendered,
            sender=sender,
            to=to,
            message_id=job.message_id,
            date=job.date,
            headers={"X-Regwatch-Delivery": str(job.delivery_id), "X-Regwatch-Period": job.period},
        )
        data = flatten(message)
        where = transport.send(data, job.message_id, sender.addr_spec, [to.addr_spec])
    except (DeliveryError, ValueError) as exc:
        return Done(job, subject, error=str(exc))
    except Exception as exc:  # a bug must fail one delivery, not the batch
        log.exception("delivery %s failed", job.delivery_id)
        return Done(job, subject, error=f"{type(exc).__name__}: {exc}", internal=True)
    return Done(job, subject, where=where)


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
    to: Address = parse_address(address, "ADDRESS")
    now = now or utcnow()
    transport = mail.transport(settings.smtp_timeout)
    message = EmailMessage()
    message["Subject"] = "[regwatch] test message"
    message["From"] = mail.sender
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid("regwatch-test", domain=mail.sender.domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        "This is a test message from regwatch.\n\n"
        f"It was sent through {transport.describe()} from {mail.sender.addr_spec} "
        f"at {now:%Y-%m-%d %H:%M:%S} UTC.\n"
        "If you can read it, digests to this address will arrive the same way.\n"
    )
    return transport.send(
        flatten(message),
        str(message["Message-ID"]),
        mail.sender.addr_spec,
        [to.addr_spec],
        progress,
    )
