"""One claimed delivery's work: render, build, flatten, and hand over to the transport.

It touches no database and never raises: whatever goes wrong is returned as the error of that
delivery alone, so that one recipient's failure never stops the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from ..exceptions import DeliveryError
from ._model import Digest
from ._render import build_message, flatten, render
from ._settings import parse_address
from ._smtp import Transport

__all__ = ["Done", "Job", "deliver"]

log = logging.getLogger("regwatch.digest")


@dataclass(frozen=True)
class Job:
    """One claimed delivery."""

    delivery_id: int
    period: str
    message_id: str
    sender: str
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


def deliver(job: Job, transport: Transport) -> Done:
    """Render, flatten and send one digest; never raises (the error is returned, for that
    delivery alone)."""
    subject = None
    try:
        to = parse_address(job.to, "recipient")
        sender = parse_address(job.sender, "REGWATCH_MAIL_FROM")
        rendered = render(job.digest, {"id": job.delivery_id, "period": job.period})
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
