"""The long-running daemon: every enabled source on its schedule, until SIGTERM or SIGINT.

Scheduling uses APScheduler 3 (a ``BlockingScheduler`` with a thread pool; ``coalesce``,
``max_instances=1`` and no misfire deadline, so a late poll runs late rather than never), but the
truth about *when* a source is due lives in the database (``source_state.next_run_at``): a
restart neither re-polls at once nor skips a due poll, and several daemons sharing one database
take turns through a lease (:meth:`regwatch.store.Store.claim_source`) instead of polling a source
twice.  A failing source backs off exponentially and is never given up on; one source's failure
never stops another's schedule.

SIGTERM and SIGINT let the job in flight finish (its batch is stored whole, or not at all) and
then exit cleanly.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from .config import Config
from .http import Fetcher
from .pipeline import PollResult, build_source, poll_source
from .schedule import interval_of, next_run
from .sources import get_source_class
from .store import Store
from .timeutil import utcnow

if TYPE_CHECKING:
    from .digest import MailSettings

__all__ = ["Daemon", "build_daemon", "default_owner"]

log = logging.getLogger("regwatch.daemon")

#: how long a poll may hold its lease before another daemon may take the source over
LEASE = timedelta(minutes=30)


def default_owner() -> str:
    """This daemon's name in leases: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _dead_local_owners(store: Store) -> list[str]:
    """Lease owners on this host whose process is gone (killed with -9, or crashed)."""
    prefix = f"{socket.gethostname()}:"
    dead = []
    for row in store.source_state_rows().values():
        owner = row.lease_owner
        if owner and owner.startswith(prefix) and owner[len(prefix) :].isdigit():
            try:
                os.kill(int(owner[len(prefix) :]), 0)
            except ProcessLookupError:
                dead.append(owner)
            except PermissionError:
                pass  # alive, under another user
    return dead


@dataclass
class Daemon:
    """Polls every enabled source of ``config`` on its schedule, storing into ``store``.

    :param after_cycle: called after every poll (and once per ``--once`` cycle) with the
        results; the digest and ops-notice stages hang here.
    """

    store: Store
    config: Config
    fetcher: Fetcher
    owner: str = field(default_factory=default_owner)
    after_poll: list[Callable[[PollResult], None]] = field(default_factory=list)
    periodic: list[tuple[str, float, Callable[[], Any]]] = field(default_factory=list)
    _scheduler: BlockingScheduler | None = field(default=None, init=False, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _idle: threading.Condition = field(default_factory=threading.Condition, init=False, repr=False)
    _running_jobs: int = field(default=0, init=False, repr=False)

    # -- one cycle ----------------------------------------------------------------------------

    def recover(self) -> None:
        """Free the leases of daemons on this host that died mid-poll, so that their sources are
        polled now rather than when the lease would have expired (other hosts' leases expire)."""
        for name in self.store.release_leases_of(_dead_local_owners(self.store)):
            log.warning("took over the lease of a dead daemon", extra={"source": name})

    def run_once(self) -> tuple[list[PollResult], dict[str, Any]]:
        """Poll every enabled source now, whatever its schedule, then run the periodic jobs.

        :returns: the poll results, and what each periodic job returned, by job id.
        """
        self.recover()
        results = [self.poll(name, force=True) for name in self.config.enabled_sources()]
        outputs = {job_id: self._guarded(job) for job_id, _, job in self.periodic}
        return [r for r in results if r is not None], outputs

    def poll(self, name: str, *, force: bool = False) -> PollResult | None:
        """Poll ``name`` if it is due and not leased by another daemon (always, if ``force``).

        :returns: the result, or ``None`` when another daemon has it or it is not due.
        """
        settings = self.config.sources[name]
        default_every = get_source_class(name).default_every
        now = utcnow()
        if force:
            self.store.set_next_run(name, None)
        if not self.store.claim_source(name, self.owner, now, now + LEASE):
            return None
        result: PollResult | None = None
        try:
            result = poll_source(self.store, build_source(name, self.config), self.fetcher)
        finally:
            row = self.store.source_state_row(name)
            failures = row.consecutive_failures if row else 0
            self.store.release_source(
                name, self.owner, next_run(settings, default_every, utcnow(), failures)
            )
        for hook in self.after_poll:
            self._guarded(hook, result)
        return result

    # -- the daemon ---------------------------------------------------------------------------

    def serve(self, install_signal_handlers: bool = True) -> None:
        """Run until :meth:`stop` (or SIGTERM / SIGINT)."""
        names = self.config.enabled_sources()
        self.recover()
        scheduler = BlockingScheduler(
            timezone="UTC",
            executors={"default": ThreadPoolExecutor(max_workers=max(2, len(names) + 1))},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._scheduler = scheduler
        for name in names:
            interval = interval_of(self.config.sources[name], get_source_class(name).default_every)
            scheduler.add_job(
                self._poll_job,
                IntervalTrigger(seconds=max(1.0, interval.total_seconds())),
                args=[name],
                id=f"poll:{name}",
                name=f"poll {name}",
                next_run_time=self._first_run(name),
                replace_existing=True,
            )
        for job_id, seconds, job in self.periodic:
            scheduler.add_job(
                self._periodic_job,
                IntervalTrigger(seconds=seconds),
                args=[job],
                id=job_id,
                name=job_id,
                next_run_time=utcnow(),
                replace_existing=True,
            )
        if install_signal_handlers:
            signal.signal(signal.SIGTERM, self._on_signal)
            signal.signal(signal.SIGINT, self._on_signal)
        log.info("daemon started", extra={"owner": self.owner, "sources": ",".join(names)})
        if self._stopping.is_set():
            return
        scheduler.start()
        # The scheduler stopped taking new jobs; let the ones in flight finish their batch.
        with self._idle:
            self._idle.wait_for(lambda: self._running_jobs == 0)
        log.info("daemon stopped", extra={"owner": self.owner})

    def stop(self) -> None:
        """Take no new jobs; :meth:`serve` returns once the jobs in flight have finished."""
        self._stopping.set()
        if self._scheduler is not None and self._scheduler.running:
            # wait=False: shutdown(wait=True) holds the scheduler's locks while it waits, and a
            # finishing job that reschedules itself would deadlock on them.  serve() waits.
            self._scheduler.shutdown(wait=False)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        log.info(
            "signal received, finishing the jobs in flight",
            extra={"signal": signal.Signals(signum).name},
        )
        self.stop()

    def _first_run(self, name: str) -> datetime:
        """When a source is first due after start: its stored ``next_run_at``, or now."""
        row = self.store.source_state_row(name)
        now = utcnow()
        if row is None or row.next_run_at is None or row.next_run_at <= now:
            return now
        return row.next_run_at

    @contextlib.contextmanager
    def _job(self) -> Iterator[None]:
        with self._idle:
            self._running_jobs += 1
        try:
            yield
        finally:
            with self._idle:
                self._running_jobs -= 1
                self._idle.notify_all()

    def _poll_job(self, name: str) -> None:
        with self._job():
            if self._stopping.is_set():
                return
            self._guarded(self.poll, name)
            if not self._stopping.is_set():
                self._follow_database(name)

    def _follow_database(self, name: str) -> None:
        row = self.store.source_state_row(name)
        # Follow the database, which may hold a backoff or another daemon's claim.
        if row is not None and row.next_run_at is not None and self._scheduler is not None:
            when = max(row.next_run_at, utcnow() + timedelta(seconds=0.2))
            if row.lease_until is not None and row.lease_owner != self.owner:
                when = max(when, row.lease_until)
            with contextlib.suppress(Exception):  # the scheduler is shutting down
                self._scheduler.modify_job(f"poll:{name}", next_run_time=when)

    def _periodic_job(self, job: Callable[[], Any]) -> None:
        with self._job():
            if not self._stopping.is_set():
                self._guarded(job)

    def _guarded(self, job: Callable[..., Any], *args: Any) -> Any:
        """Run a job so that its failure is logged and never stops the daemon."""
        try:
            return job(*args)
        except Exception:  # a bug in one job must not stop the daemon
            log.exception("job %s failed", getattr(job, "__name__", job))
            return None


def build_daemon(
    store: Store,
    config: Config,
    fetcher: Fetcher,
    owner: str | None = None,
    mail: MailSettings | None = None,
) -> Daemon:
    """The daemon with every stage after collection: ops notices after each poll, and a look for
    due digests every ``digest.check_every`` seconds (matching runs inside each poll).

    :param mail: where digests go; by default from the environment (``REGWATCH_SMTP_URL``, …).
    """
    from .digest import SendReport, send_due

    daemon = Daemon(store, config, fetcher, owner=owner or default_owner())

    def ops_after_poll(result: PollResult | None) -> None:
        if result is not None:
            _notify_ops(store, config, result.source)

    def digests() -> SendReport:
        report = send_due(store, config.general.digest, mail=mail)
        if report.sent or report.failed:
            log.info("digests", extra={"sent": len(report.sent), "failed": len(report.failed)})
        return report

    daemon.after_poll.append(ops_after_poll)
    daemon.periodic.append(("digests", config.general.digest.check_every, digests))
    return daemon


def _notify_ops(store: Store, config: Config, source: str) -> bool:
    """After a poll of ``source``: send the ops notice its health calls for, if any.

    Mail goes where digests go (``REGWATCH_SMTP_URL``, else ``.eml`` files in the outbox).
    """
    from .digest import MailSettings, send_notice
    from .health import source_health
    from .ops import notify
    from .sources import get_source_class

    settings = config.general.ops
    if settings.email is None:
        return False
    row = store.source_state_row(source)
    health = source_health(
        source, config.sources[source], get_source_class(source).default_every, row, utcnow()
    )
    mail = MailSettings.from_env()

    def send(to: str, subject: str, body: str) -> None:
        send_notice(to, subject, body, mail, config.general.digest)

    return notify(
        health,
        row.ops_notice if row else None,
        settings,
        send,
        lambda state: store.set_ops_notice(source, state),
    )
