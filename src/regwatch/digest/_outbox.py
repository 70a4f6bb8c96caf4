"""The durable outbox: plan the digests that are due, write them down, then send them.

The order is what makes digests trustworthy (other monitors lose or repeat alerts when a
send fails half way or a process dies between sending and recording it):

1. **plan**: for each active recipient, the current cadence period; if it has no delivery yet and
   there are undelivered matches created before it was due, a ``delivery`` row and its
   ``delivery_match`` rows are inserted in one transaction.  Empty periods write nothing.
2. **lease**: a row is only ever sent by the run that holds it: just before each send, its
   ``next_attempt_at`` is pushed past the attempt by a conditional update that only one run can
   win (and its ``attempts`` counted, so that an attempt cut short still counts).  A second
   ``regwatch`` process on the same database skips it.  Rows are leased one at a time, so a run
   killed mid-batch holds only the row it was sending; the others are due again at once.
3. **send**: render, hand to the SMTP server (or the ``.eml`` outbox); only when the server
   accepted is the row marked ``sent``.  A failure is recorded on the row (attempts, last error)
   and retried after a delay that doubles each time, up to ``max_retry_delay``, without end.

A process that dies between 3's acceptance and the ``sent`` mark sends that digest again when the
lease runs out (SMTP has no way to ask "did you get it?"); the copy carries the same Message-ID,
which mail clients use to fold duplicates.  Losing a digest would be worse than that.
"""

from __future__ import annotations

import gc
import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.headerregistry import Address
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from ..exceptions import ConfigError
from ..store import Connection, Store
from ..store._delivery import (
    DeliveryRow,
    DeliveryStatus,
    NewDelivery,
    claim_delivery,
    delivered_periods,
    deliveries,
    delivery_links,
    due_deliveries,
    insert_deliveries,
    mark_failed,
    mark_sent,
    waiting_deliveries,
)
from ..store._recipients import company_names
from ..timeutil import utcnow
from ._build import (
    candidates,
    company_candidates,
    find_company,
    load_matches,
    recipients,
)
from ._channels import Channels, redact
from ._deliver import Done, Job, deliver, deliver_channel, list_headers
from ._model import Digest, RecipientInfo, compose
from ._render import View, one_line, render
from ._schedule import Period, current_period, valid_zone
from ._settings import DigestSettings, MailSettings
from ._smtp import Transport

__all__ = [
    "Outcome",
    "SendReport",
    "list_deliveries",
    "preview",
    "send_due",
]

log = logging.getLogger("regwatch.digest")

#: how long an attempt may take before another process may try the same delivery again, in
#: units of the SMTP timeout (connect, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA each get one)
_LEASE_TIMEOUTS = 10
_ERROR_LIMIT = 1000


@dataclass(frozen=True)
class Outcome:
    """What happened to one digest in one run (or would happen, in a dry run)."""

    company: str
    email: str
    period: str
    #: ``sent``, ``failed``, ``error`` (could not even be planned), and in a dry run
    #: ``would send`` or ``would retry``
    status: str
    detail: str
    delivery_id: int | None = None
    items: int = 0
    matches: int = 0
    subject: str | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "error", "rejected", "expired")


@dataclass
class SendReport:
    """The outcome of one :func:`send_due` run."""

    outcomes: list[Outcome] = field(default_factory=list)
    #: failed deliveries whose next attempt is later than this run
    waiting: list[Outcome] = field(default_factory=list)

    @property
    def sent(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "sent"]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.failed]

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass
class _Planned:
    person: RecipientInfo
    period: Period
    key: str
    digest: Digest


def _lease(settings: DigestSettings, channel: str) -> timedelta:
    """How long one attempt may take: ten SMTP timeouts for e-mail, ten webhook timeouts for a
    webhook or chat channel (a per-match webhook delivery makes several POSTs)."""
    timeout = settings.smtp_timeout if channel == "email" else settings.webhook_timeout
    return timedelta(seconds=timeout * _LEASE_TIMEOUTS)


def backoff(attempts: int, settings: DigestSettings) -> timedelta:
    """The wait after the ``attempts``-th failure: doubling, capped, never giving up."""
    delay = settings.retry_delay * 2 ** min(max(attempts - 1, 0), 30)
    return timedelta(seconds=min(delay, settings.max_retry_delay))


def _company_id(conn: Connection, company: str | None) -> int | None:
    return None if company is None else find_company(conn, company)[0]


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Planning makes tens of thousands of objects that all live until the run ends (matches,
    events, items) and no cyclic garbage; as they pile up, each of the cycle collector's full
    passes walks every one of them again (seven passes, a tenth of a 1,000-digest run).  It is
    paused while they are made, and resumes as it was (nothing is frozen: what the run leaves
    behind is collected as usual)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _plan(
    conn: Connection, settings: DigestSettings, now: datetime, company_id: int | None
) -> tuple[list[_Planned], list[Outcome]]:
    """The digests due at ``now`` that have no delivery yet, and the recipients whose settings
    are broken (reported, never blocking the others)."""
    with _no_cycle_collection():
        return _plan_unpaused(conn, settings, now, company_id)


def _plan_unpaused(
    conn: Connection, settings: DigestSettings, now: datetime, company_id: int | None
) -> tuple[list[_Planned], list[Outcome]]:
    people = recipients(conn, company_id=company_id)
    errors: list[Outcome] = []
    periods: dict[int, Period] = {}
    for person in people:
        assert person.id is not None
        try:
            periods[person.id] = current_period(
                person.cadence, person.at, person.timezone, person.weekday, now
            )
        except ValueError as exc:
            errors.append(
                Outcome(person.company, person.email, "-", "error", f"recipient settings: {exc}")
            )
    existing = delivered_periods(conn, {p.key for p in periods.values() if p.key})
    due = [
        p
        for p in people
        if p.id in periods
        and (periods[p.id].key is None or (p.id, periods[p.id].key) not in existing)
    ]
    chosen: dict[int, list[int]] = {}
    for rid, found in candidates(conn, due).items():
        cutoff = periods[rid].due_at
        ids = [c.match_id for c in found if c.created_at <= cutoff]
        if ids:  # an empty period sends nothing and writes nothing
            chosen[rid] = ids
    loaded = load_matches(conn, (m for ids in chosen.values() for m in ids))
    planned = []
    for person in due:
        assert person.id is not None
        ids = [m for m in chosen.get(person.id, []) if m in loaded]
        if not ids:
            continue
        period = periods[person.id]
        key = period.key or f"immediate:{min(ids)}"
        digest = compose(
            person, period, period.label(), [loaded[m] for m in ids], settings.max_items
        )
        planned.append(_Planned(person, period, key, digest))
    return planned, errors


def _message_id(recipient_id: int, key: str, domain: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9-]+", ".", key)
    return f"<regwatch.{recipient_id}.{slug}.{secrets.token_hex(6)}@{domain}>"


@dataclass(frozen=True)
class _Written:
    delivery_id: int
    message_id: str
    #: when (``time.monotonic()``) the row and its lease were written
    written_at: float


def _insert(
    conn: Connection, plans: list[_Planned], now: datetime, domain: str
) -> list[tuple[_Written, _Planned]]:
    """Write the deliveries and their matches, due now; those another run already wrote for
    their ``(recipient, period)`` or whose matches it took (the constraints said so) are left
    out."""
    news = []
    for plan in plans:
        person, digest = plan.person, plan.digest
        assert person.id is not None
        news.append(
            NewDelivery(
                recipient_id=person.id,
                company_id=person.company_id,
                email=person.email if person.channel == "email" else redact(person.target),
                channel=person.channel,
                period=plan.key,
                scheduled_for=plan.period.due_at,
                message_id=_message_id(person.id, plan.key, domain),
                match_ids=digest.match_ids,
                shown=digest.shown_match_ids,
                created_at=now,
            )
        )
    written = []
    for plan, new, delivery_id in zip(plans, news, insert_deliveries(conn, news), strict=True):
        if delivery_id is None:
            log.info("delivery of %s for %s was written by another run", new.period, new.email)
            continue
        written.append((_Written(delivery_id, new.message_id, monotonic()), plan))
    return written


def _period_of(row: DeliveryRow, person: RecipientInfo) -> Period:
    cadence, _, rest = str(row.period).partition(":")
    day = date.fromisoformat(rest) if cadence in ("daily", "weekly") else None
    return Period(cadence, day, row.scheduled_for, person.timezone, person.at)


def _load_digest(
    conn: Connection, row: DeliveryRow, person: RecipientInfo, settings: DigestSettings
) -> Digest:
    links = delivery_links(conn, row.id)
    loaded = load_matches(conn, [match_id for match_id, _ in links])
    period = _period_of(row, person)
    return compose(
        person,
        period,
        period.label(),
        loaded.values(),
        settings.max_items,
        shown_ids={match_id for match_id, shown in links if shown},
    )


def _waiting(store: Store, now: datetime, company_id: int | None) -> list[Outcome]:
    """Deliveries not sent that are not due yet: failed ones waiting for their retry, and
    pending ones another run holds (sending now, or stopped mid-send until its lease ends)."""
    with store.read() as conn:
        names = company_names(conn)
        return [
            Outcome(
                names.get(r.company_id, "?"),
                r.email,
                r.period,
                "failed" if r.status == DeliveryStatus.FAILED else "pending",
                r.last_error or "held by another run (sending now, or stopped mid-send)",
                delivery_id=r.id,
                matches=r.match_count,
                attempts=r.attempts,
                next_attempt_at=r.next_attempt_at,
            )
            for r in waiting_deliveries(conn, now, company_id)
        ]


def _claim(
    store: Store, delivery_id: int, now: datetime, until: datetime, held: datetime | None = None
) -> int | None:
    """Lease a delivery until ``until`` (see :func:`claim_delivery`): its attempts so far, or
    ``None`` when another run has it."""
    with store.write() as conn:
        return claim_delivery(conn, delivery_id, now, until, held)


def _record(
    store: Store,
    done: Done,
    attempts: int,
    settings: DigestSettings,
    now: datetime,
    created_at: datetime | None = None,
) -> Outcome:
    """Record how one delivery went: ``sent`` only when the transport accepted it; otherwise
    the error, and when to try again.  A webhook or chat delivery refused for good is
    ``rejected``, one still failing ``webhook_retry_hours`` after it was written ``expired``:
    neither is tried again."""
    job = done.job
    digest = job.digest
    retry_at = None
    if done.where is not None:
        status, detail = "sent", done.where
        with store.write() as conn:
            mark_sent(conn, job.delivery_id, now, done.subject, done.where)
        log.info("delivery %s sent to %s via %s", job.delivery_id, job.to, done.where)
    else:
        error = done.error or "unknown error"
        if done.internal:
            error = f"internal error: {error}"
        status, detail = "failed", error
        retry_at = now + backoff(attempts, settings)
        final = None
        if job.digest.recipient.channel != "email":
            window = timedelta(hours=settings.webhook_retry_hours)
            if done.permanent:
                final = DeliveryStatus.REJECTED
            elif now + backoff(attempts, settings) - (created_at or now) > window:
                final = DeliveryStatus.EXPIRED
                error += f" (given up: still failing after {settings.webhook_retry_hours:g} h)"
        if final is not None:
            status, detail, retry_at = final, error, None
        with store.write() as conn:
            mark_failed(
                conn,
                job.delivery_id,
                done.subject,
                one_line(error, _ERROR_LIMIT),
                retry_at,
                final or DeliveryStatus.FAILED,
            )
        log.warning(
            "delivery %s to %s %s (attempt %d): %s",
            job.delivery_id,
            job.to,
            final or "failed",
            attempts,
            error,
        )
    return Outcome(
        digest.recipient.company,
        job.to,
        job.period,
        status,
        detail,
        delivery_id=job.delivery_id,
        items=len(digest.items),
        matches=len(digest.match_ids),
        subject=done.subject,
        attempts=attempts,
        next_attempt_at=retry_at,
    )


def send_due(
    store: Store,
    settings: DigestSettings,
    now: datetime | None = None,
    *,
    company: str | None = None,
    mail: MailSettings | None = None,
    dry_run: bool = False,
    operator: str | None = None,
) -> SendReport:
    """Send whatever digests are due at ``now``: plan new deliveries, then attempt every
    delivery that is pending or whose retry time has come.  This is the daemon's digest step.

    :param mail: where to send; by default from the environment (``REGWATCH_SMTP_URL``, …).
    :param operator: who receives ``mailto:`` unsubscribe requests when no web page is
        configured (the ops address); the sender's address by default.
    :param dry_run: write nothing and send nothing; the outcomes say what would be done.
    :raises ConfigError: bad mail settings in the environment, or an unknown ``company``.
    """
    now = now or utcnow()
    mail = mail or MailSettings.from_env()
    transport = mail.transport(settings.smtp_timeout)
    report = SendReport()
    if dry_run:
        return _dry_run(store, settings, now, company)

    def lease(person: RecipientInfo) -> timedelta:
        return _lease(settings, person.channel)

    sender = mail.sender
    views: dict[int, View] = {}
    manners = _Manners(
        settings,
        operator or sender.addr_spec,
        sender.domain,
        Channels(settings.webhook_timeout),
    )
    # deliveries from earlier runs: pending ones of a run that stopped, failed ones due again
    with store.read() as conn:
        company_id = _company_id(conn, company)
        rows = due_deliveries(conn, now, company_id)
        people = {p.id: p for p in recipients(conn, company_id=company_id)}
    for row in rows:
        person = people.get(row.recipient_id)
        if person is None:  # deactivated since: its delivery waits, visible in `deliveries`
            continue
        attempts = _claim(store, row.id, now, now + lease(person))
        if attempts is None:
            continue  # another run is on it, or has just sent it
        with store.read() as conn:
            digest = _load_digest(conn, row, person, settings)
        job = _job(row.id, row.period, row.message_id, sender, row.email, now, digest, manners)
        report.outcomes.append(
            _record(
                store,
                manners.send(job, transport, views),
                attempts,
                settings,
                now,
                row.created_at,
            )
        )
    # new deliveries, written (already leased to this run) before anything is sent
    with store.write() as conn:
        planned, errors = _plan(conn, settings, now, company_id)
        report.outcomes.extend(errors)
        # written due now, not leased: each is claimed just before its own send, so that a
        # run killed mid-batch leaves the recipients it had not reached due at once
        fresh = _insert(conn, planned, now, mail.sender.domain)
    # No gc.freeze() around the sends: it parked the cycle's young garbage with everything else,
    # and gc.unfreeze() handed it to the oldest generation, whose collections then hardly ever
    # came, so a daemon grew by every cycle's garbage (benchmarks/bench_soak.py).
    for written, plan in fresh:
        sent = _send_fresh(
            store, written, plan, sender, transport, views, now, lease(plan.person), manners
        )
        if sent is not None:
            done, attempts = sent
            report.outcomes.append(_record(store, done, attempts, settings, now, now))
    manners.channels.close()
    report.waiting = _waiting(store, now, company_id)
    return report


def _send_fresh(
    store: Store,
    written: _Written,
    plan: _Planned,
    sender: Address,
    transport: Transport,
    views: dict[int, View],
    now: datetime,
    lease: timedelta,
    manners: _Manners,
) -> tuple[Done, int] | None:
    """Send a delivery this run has just written: how it went, and its attempts so far;
    ``None`` if its lease had to be renewed and another run had taken it meanwhile (a long
    batch renews each lease before it runs out, instead of claiming every row before sending
    it)."""
    elapsed = timedelta(seconds=monotonic() - written.written_at)
    attempts = _claim(store, written.delivery_id, now, now + elapsed + lease)
    if attempts is None:
        return None
    job = _job(
        written.delivery_id,
        plan.key,
        written.message_id,
        sender,
        plan.person.email,
        now,
        plan.digest,
        manners,
    )
    return manners.send(job, transport, views), attempts


@dataclass(frozen=True)
class _Manners:
    """What every message of a run needs: its list headers, and the channels' senders."""

    settings: DigestSettings
    #: who gets the ``mailto:`` unsubscribe requests: the ops address, else the sender
    operator: str
    domain: str
    channels: Channels

    def send(self, job: Job, transport: Transport, views: dict[int, View]) -> Done:
        if job.digest.recipient.channel == "email":
            return deliver(job, transport, views)
        return deliver_channel(job, self.channels, self.settings.web_url)


def _job(
    delivery_id: int,
    period: str,
    message_id: str,
    sender: Address,
    to: str,
    now: datetime,
    digest: Digest,
    manners: _Manners,
) -> Job:
    person = digest.recipient
    if person.channel != "email":  # never a chat token or webhook query in logs and outcomes
        return Job(delivery_id, period, message_id, sender, redact(person.target), now, digest)
    headers, link = list_headers(person, manners.settings, manners.operator, manners.domain)
    return Job(delivery_id, period, message_id, sender, to, now, digest, headers, link)


def _dry_run(
    store: Store, settings: DigestSettings, now: datetime, company: str | None
) -> SendReport:
    report = SendReport()
    with store.read() as conn:
        company_id = _company_id(conn, company)
        planned, errors = _plan(conn, settings, now, company_id)
        report.outcomes.extend(errors)
        for plan in planned:
            digest = plan.digest
            report.outcomes.append(
                Outcome(
                    plan.person.company,
                    plan.person.email,
                    plan.key,
                    "would send",
                    f"{len(digest.items)} items, {digest.alerts} alerts",
                    items=len(digest.items),
                    matches=len(digest.match_ids),
                    subject=render(digest).subject,
                )
            )
        people = {p.id: p for p in recipients(conn, company_id=company_id)}
        for row in due_deliveries(conn, now, company_id):
            person = people.get(row.recipient_id)
            if person is None:
                continue
            report.outcomes.append(
                Outcome(
                    person.company,
                    row.email,
                    row.period,
                    "would retry" if row.attempts else "would send",
                    row.last_error or "written, not sent yet",
                    delivery_id=row.id,
                    matches=row.match_count,
                    attempts=row.attempts,
                )
            )
    report.waiting = _waiting(store, now, company_id)
    return report


def preview(
    store: Store,
    settings: DigestSettings,
    company: str,
    recipient: str | None = None,
    now: datetime | None = None,
) -> Digest:
    """The digest as it would be sent now, without writing anything.

    With ``recipient``: that recipient's undelivered matches, with their tier and source
    settings.  Without: the company's matches that no delivery has carried yet, all tiers and
    sources.

    :raises ConfigError: no such company, or no such active recipient of it.
    """
    now = now or utcnow()
    with store.read() as conn:
        company_id, company_name = find_company(conn, company)
        if recipient is None:
            person = RecipientInfo(None, company_id, company_name, "(any recipient)")
            ids = [c.match_id for c in company_candidates(conn, company_id)]
        else:
            found = recipients(conn, company_id=company_id, email=recipient)
            if not found:
                known = sorted({p.email for p in recipients(conn, company_id=company_id)})
                raise ConfigError(
                    f"{recipient!r} is not an active recipient of {company_name!r}; its "
                    f"recipients: {', '.join(known) or 'none'}"
                )
            # the person's e-mail digest, when they have one besides other channels
            person = min(found, key=lambda p: p.channel != "email")
            assert person.id is not None
            ids = [c.match_id for c in candidates(conn, [person])[person.id]]
        loaded = load_matches(conn, ids)
    # a broken time zone on the recipient is reported by `digest send`; preview still works
    zone = person.timezone if valid_zone(person.timezone) else "UTC"
    period = Period("immediate", None, now, zone, person.at)
    title = f"Preview as of {now.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} ({zone})"
    return compose(person, period, title, loaded.values(), settings.max_items)


def list_deliveries(
    store: Store, company: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """The audit trail, newest first: what was (or is to be) sent to whom, when, with which
    matches."""
    with store.read() as conn:
        company_id = _company_id(conn, company)
        names = company_names(conn)
        rows = deliveries(conn, company_id, limit)
    return [
        {
            "id": r.id,
            "company": names.get(r.company_id),
            "recipient": r.email,
            "channel": r.channel,
            "period": r.period,
            "status": r.status,
            "attempts": r.attempts,
            "created_at": _iso(r.created_at),
            "sent_at": _iso(r.sent_at),
            "next_attempt_at": _iso(r.next_attempt_at),
            "last_error": r.last_error,
            "message_id": r.message_id,
            "subject": r.subject,
            "transport": r.transport,
            "match_count": r.match_count,
            "match_ids": match_ids,
        }
        for r, match_ids in rows
    ]


def _iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None
