"""One claimed delivery's work: render, build, flatten, and hand over to the transport.

This touches no database, so a large batch of digests is worked in processes, one per core
(rendering is CPU-bound Python, and SMTP round trips overlap), while the main process claims
rows before handing them over and records every result; a small batch (the daemon's usual
morning) is worked in-process, where starting workers would cost more than it saves.  Workers
are started with ``spawn``: forking a process that holds database connections and server
threads is not safe.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from email.policy import SMTP

from ..exceptions import DeliveryError
from ._model import Digest
from ._render import build_message, render
from ._settings import parse_address
from ._smtp import Transport

__all__ = ["PARALLEL_FROM", "Done", "Job", "deliver", "deliver_all", "window"]

#: batches at least this large are worked in processes
PARALLEL_FROM = 100
#: claimed jobs handed to each worker ahead of time: enough to keep it busy, few enough that
#: a claim's lease (see _outbox.py) outlasts the wait
_AHEAD_PER_WORKER = 2


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
        data = message.as_bytes(policy=SMTP)
        where = transport.send(data, job.message_id, sender.addr_spec, [to.addr_spec])
    except (DeliveryError, ValueError) as exc:
        return Done(job, subject, error=str(exc))
    except Exception as exc:  # a bug must fail one delivery, not the batch
        import logging

        logging.getLogger("regwatch.digest").exception("delivery %s failed", job.delivery_id)
        return Done(job, subject, error=f"{type(exc).__name__}: {exc}", internal=True)
    return Done(job, subject, where=where)


def workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def window(count: int) -> int:
    """How many claimed jobs may wait for a worker at once, for a batch of ``count``."""
    n = workers()
    return 1 if count < PARALLEL_FROM or n < 2 else n * (_AHEAD_PER_WORKER + 1)


_worker_transport: Transport | None = None


def _init_worker(transport: Transport) -> None:
    global _worker_transport
    _worker_transport = transport


def _deliver_in_worker(job: Job) -> Done:
    assert _worker_transport is not None
    return deliver(job, _worker_transport)


def deliver_all(jobs: Iterable[Job], count: int, transport: Transport) -> Iterator[Done]:
    """:func:`deliver` every job, results in order; in worker processes when ``count`` is
    large.  ``jobs`` is consumed at most :func:`window` items ahead of the results."""
    ahead = window(count)
    if ahead == 1:
        yield from (deliver(job, transport) for job in jobs)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers(), mp_context=context, initializer=_init_worker, initargs=(transport,)
    ) as pool:

        def submit(job: Job) -> Future[Done]:
            try:
                return pool.submit(_deliver_in_worker, job)
            except Exception:  # the pool broke (a worker died): carry on in this process
                future: Future[Done] = Future()
                future.set_result(deliver(job, transport))
                return future

        pending: deque[tuple[Job, Future[Done]]] = deque()
        source = iter(jobs)
        for job in source:
            pending.append((job, submit(job)))
            if len(pending) >= ahead:
                break
        while pending:
            job, future = pending.popleft()
            try:
                done = future.result()
            except Exception as exc:  # the worker died: whether it sent is unknown
                done = Done(job, error=f"worker failed: {type(exc).__name__}: {exc}", internal=True)
            following = next(source, None)
            if following is not None:
                pending.append((following, submit(following)))
            yield done
