"""The store: change events, their provenance, and every source's state, in SQL.

SQLite (the default, ``sqlite:///regwatch.db``) runs in WAL mode with immediate write
transactions, so a CLI reader never blocks the daemon's writer; PostgreSQL works through the same
code (``postgresql+psycopg://…``).  The schema is versioned (Alembic, ``regwatch init``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, or_, select, update

from ..events import ChangeEvent, StoredEvent
from ..exceptions import StoreError
from ..sources._base import Payload, SourceState
from ..timeutil import utcnow
from . import _migrate
from ._engine import make_engine, sqlite_path, upsert_insert
from ._events import (
    ApplyResult,
    apply_intents,
    insert_payloads,
    latest_versions,
    load_events,
    load_heads,
    plan_events,
    revised_heads,
    row_to_stored,
)
from ._query import EventQuery, build_select
from ._schema import Company, EventRow, FetchRun, PayloadRow, SourceStateRow

__all__ = ["ApplyResult", "Batch", "EventQuery", "Store"]


@dataclass
class Batch:
    """Everything one poll (or one import) of one source writes, in one transaction."""

    source: str
    payloads: list[Payload]
    #: ``(index into payloads or None, event)``
    events: list[tuple[int | None, ChangeEvent]]
    started_at: datetime
    cursor: dict[str, Any] | None = None
    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    requests: int = 0
    warnings: list[str] = field(default_factory=list)
    not_modified: bool = False
    newest_item_on: date | None = None
    #: keep every payload body, not only those that changed something (list snapshots)
    keep_all_bodies: bool = False
    #: from ``regwatch import``: the source's cursor and health are left alone
    imported: bool = False
    #: called in the batch's transaction after its events are stored (``Source.store_state``)
    store_state: Callable[[Connection, Sequence[ChangeEvent]], None] | None = None


class Store:
    """A regwatch database.  Open with :meth:`open`; use as a context manager to close it."""

    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)

    @classmethod
    def open(cls, url: str, *, create: bool = False) -> Store:
        """Open the database at ``url`` and check its schema.

        :param create: initialize the database when it does not exist yet (or is empty);
            an existing older schema is never upgraded here, only by :meth:`init`.
        :raises SchemaOutOfDate: the schema needs ``regwatch init``.
        :raises StoreError: the database does not exist, or is not usable by this version.
        """
        path = sqlite_path(url)
        if path is not None and not path.exists() and not create:
            raise StoreError(f"no database at {path}: run `regwatch init` first")
        store = cls(url)
        try:
            if create and _migrate.schema_status(store.engine)[0] is None:
                store.init()
            _migrate.check(store.engine, url)
        except BaseException:
            store.close()
            raise
        return store

    def init(self) -> tuple[str | None, str]:
        """Create or upgrade the schema; returns ``(revision before, revision after)``."""
        path = sqlite_path(self.url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        return _migrate.upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: ``BEGIN IMMEDIATE`` on SQLite; committed on success."""
        with self.engine.connect().execution_options(regwatch_write=True) as conn, conn.begin():
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction, which never blocks (or waits for) a writer."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    # -- events -------------------------------------------------------------------------------

    def events(self, query: EventQuery | None = None) -> list[StoredEvent]:
        """Stored events matching ``query``, newest first."""
        return list(self.iter_events(query))

    def iter_events(self, query: EventQuery | None = None) -> Iterator[StoredEvent]:
        """Stored events matching ``query``, newest first.

        :raises QueryError: ``query.company`` is not a company with a watch list
        """
        query = query or EventQuery()
        if query.company is not None:
            self.check_company(query.company)
        stmt = build_select(query, self.dialect)
        with self.read() as conn:
            for row in conn.execute(stmt):
                yield row_to_stored(row)

    def count_matching(self, query: EventQuery) -> int:
        """How many events :meth:`iter_events` gives for ``query`` without its ``limit``."""
        query = dataclasses.replace(query, limit=None)
        if query.company is not None:
            self.check_company(query.company)
        stmt = build_select(query, self.dialect).order_by(None).subquery()
        with self.read() as conn:
            return int(conn.execute(select(func.count()).select_from(stmt)).scalar_one())

    def check_company(self, name: str) -> str:
        """``name`` if a watch list was imported for it.

        :raises QueryError: saying which company was likely meant
        """
        table = Company.__table__  # type: ignore[attr-defined]
        with self.read() as conn:
            names = list(conn.execute(select(table.c.name)).scalars())
        if name not in names:
            from .._suggest import unknown_value

            raise unknown_value("company", name, names, option="company")
        return name

    def event(self, event_id: int) -> StoredEvent | None:
        table = EventRow.__table__  # type: ignore[attr-defined]
        with self.read() as conn:
            row = conn.execute(select(table).where(table.c.id == event_id)).first()
        return row_to_stored(row) if row else None

    def revisions(self, key: str) -> list[StoredEvent]:
        """Every stored version of ``key``, oldest first."""
        table = EventRow.__table__  # type: ignore[attr-defined]
        with self.read() as conn:
            rows = conn.execute(select(table).where(table.c.key == key).order_by(table.c.revision))
            return [row_to_stored(r) for r in rows]

    def payload_info(self, payload_id: int) -> dict[str, Any] | None:
        """Provenance of a payload: URL, fetch time, hash, size (not the body)."""
        table = PayloadRow.__table__  # type: ignore[attr-defined]
        cols = [c for c in table.c if c.name != "body"]
        with self.read() as conn:
            row = conn.execute(
                select(*cols, (table.c.body.is_not(None)).label("body_kept")).where(
                    table.c.id == payload_id
                )
            ).first()
        return dict(row._mapping) if row else None

    def save_batch(self, batch: Batch) -> ApplyResult:
        """Store ``batch`` in one transaction: provenance, events, source state, fetch run.

        Either all of it is written or none of it; the source's cursor only moves when its
        events are stored.
        """
        with self.write() as conn:
            return self._save_batch(conn, batch)

    def _save_batch(self, conn: Connection, batch: Batch) -> ApplyResult:
        now = utcnow()
        run_id = _insert_run(conn, batch.source, batch.started_at)
        latest, seen = latest_versions(batch.events)
        heads = load_heads(conn, list(latest))
        previous = load_events(conn, revised_heads(latest, heads))
        intents, unchanged = plan_events(latest, seen, heads, previous)
        useful = {i.payload_index for i in intents}
        keep = [batch.keep_all_bodies or n in useful for n in range(len(batch.payloads))]
        payload_ids = insert_payloads(conn, batch.source, batch.payloads, keep, run_id, now)
        result = apply_intents(conn, intents, payload_ids, now)
        result.unchanged = unchanged
        if batch.store_state is not None:
            batch.store_state(conn, [event for _, event in batch.events])
        if not batch.imported:
            self._record_success(conn, batch, now)
        outcome = "import" if batch.imported else "not_modified" if batch.not_modified else "ok"
        runs = FetchRun.__table__  # type: ignore[attr-defined]
        conn.execute(
            update(runs)
            .where(runs.c.id == run_id)
            .values(
                finished_at=now,
                outcome=outcome,
                requests=batch.requests,
                payloads=len(batch.payloads),
                new_events=len(result.new_ids),
                revised_events=len(result.revised_ids),
                unchanged_events=unchanged,
                warnings=batch.warnings,
            )
        )
        return result

    # -- source state -------------------------------------------------------------------------

    def source_state(self, name: str) -> SourceState:
        row = self.source_state_row(name)
        if row is None:
            return SourceState()
        return SourceState(
            cursor=row.cursor or {},
            validators=row.validators or {},
            last_success_at=row.last_success_at,
            newest_item_on=row.newest_item_on,
        )

    def source_state_row(self, name: str) -> SourceStateRow | None:
        table = SourceStateRow.__table__  # type: ignore[attr-defined]
        with self.read() as conn:
            row = conn.execute(select(table).where(table.c.name == name)).first()
        return SourceStateRow.model_validate(dict(row._mapping)) if row else None

    def source_state_rows(self) -> dict[str, SourceStateRow]:
        table = SourceStateRow.__table__  # type: ignore[attr-defined]
        with self.read() as conn:
            return {
                r.name: SourceStateRow.model_validate(dict(r._mapping))
                for r in conn.execute(select(table))
            }

    def last_runs(self, source: str, limit: int = 10) -> list[FetchRun]:
        table = FetchRun.__table__  # type: ignore[attr-defined]
        with self.read() as conn:
            rows = conn.execute(
                select(table)
                .where(table.c.source == source)
                .order_by(table.c.id.desc())
                .limit(limit)
            )
            return [FetchRun.model_validate(dict(r._mapping)) for r in rows]

    def _ensure_state(self, conn: Connection, name: str) -> None:
        table = SourceStateRow.__table__  # type: ignore[attr-defined]
        # ON CONFLICT DO NOTHING: two writers on PostgreSQL may create the same row at once
        conn.execute(
            upsert_insert(conn, table)
            .values(name=name, cursor={}, validators={}, consecutive_failures=0)
            .on_conflict_do_nothing(index_elements=["name"])
        )

    def _record_success(self, conn: Connection, batch: Batch, now: datetime) -> None:
        table = SourceStateRow.__table__  # type: ignore[attr-defined]
        self._ensure_state(conn, batch.source)
        current = conn.execute(select(table).where(table.c.name == batch.source)).one()
        values: dict[str, Any] = {
            "last_attempt_at": now,
            "last_success_at": now,
            "consecutive_failures": 0,
            "last_error_kind": None,
        }
        if batch.cursor is not None:
            values["cursor"] = batch.cursor
        if batch.validators:
            values["validators"] = {**(current.validators or {}), **batch.validators}
        if batch.newest_item_on and (
            current.newest_item_on is None or batch.newest_item_on > current.newest_item_on
        ):
            values["newest_item_on"] = batch.newest_item_on
        conn.execute(update(table).where(table.c.name == batch.source).values(**values))

    def record_failure(
        self,
        source: str,
        started_at: datetime,
        error: BaseException,
        *,
        kind: str = "error",
        requests: int = 0,
    ) -> None:
        """Note a failed poll: a fetch run with the error, and one more consecutive failure.

        The cursor, validators and events stay exactly as they were.
        """
        now = utcnow()
        message = f"{type(error).__name__}: {error}"
        table = SourceStateRow.__table__  # type: ignore[attr-defined]
        with self.write() as conn:
            run_id = _insert_run(conn, source, started_at)
            runs = FetchRun.__table__  # type: ignore[attr-defined]
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(finished_at=now, outcome="error", error=message, requests=requests)
            )
            self._ensure_state(conn, source)
            conn.execute(
                update(table)
                .where(table.c.name == source)
                .values(
                    last_attempt_at=now,
                    last_error=message,
                    last_error_at=now,
                    last_error_kind=kind,
                    consecutive_failures=table.c.consecutive_failures + 1,
                )
            )

    def claim_source(self, source: str, owner: str, now: datetime, lease_until: datetime) -> bool:
        """Take the lease to poll ``source`` now, if it is due and nobody else holds it.

        One atomic UPDATE, so that of several daemons sharing the database exactly one wins;
        a daemon that died mid-poll loses its lease when ``lease_until`` passes.
        """
        table = SourceStateRow.__table__  # type: ignore[attr-defined]
        with self.write() as conn:
            self._ensure_state(conn, source)
            claimed = conn.execute(
                update(table)
                .where(
                    table.c.name == source,
                    or_(table.c.next_run_at.is_(None), table.c.next_run_at <= now),
                    or_(table.c.lease_until.is_(None), table.c.lease_until <= now),
                )
                .values(lease_owner=owner, lease_until=lease_until)
            )
            return claimed.rowcount == 1

    def release_leases_of(self, owners: list[str]) -> list[str]:
        """Drop the leases held by ``owners`` (daemons known to be dead); returns the sources."""
        if not owners:
            return []
        table = SourceStateRow.__table__  # type: ignore[attr-defined]
        with self.write() as conn:
            freed = [
                r.name
                for r in conn.execute(select(table.c.name).where(table.c.lease_owner.in_(owners)))
            ]
            conn.execute(
                update(table)
                .where(table.c.lease_owner.in_(owners))
                .values(lease_owner=None, lease_until=None)
            )
        return freed

    def release_source(self, source: str, owner: str, next_run_at: datetime) -> None:
        """Give the lease back and record when the source is due next."""
        table = SourceStateRow.__table__  # type: ignore[attr-defined]
        with self.write() as conn:
            self._ensure_state(conn, source)
            conn.execute(
                update(table)
                .where(
                    table.c.name == source,
                    or_(table.c.lease_owner == owner, table.c.lease_owner.is_(None)),
                )
                .values(lease_owner=None, lease_until=None, next_run_at=next_run_at)
            )

    def set_ops_notice(self, source: str, notice: str | None) -> None:
        """Record the ops notice now in force for ``source`` (``None``: all clear)."""
        table = SourceStateRow.__table__  # type: ignore[attr-defined]
        with self.write() as conn:
            self._ensure_state(conn, source)
            conn.execute(update(table).where(table.c.name == source).values(ops_notice=notice))

    def set_next_run(self, source: str, when: datetime | None) -> None:
        table = SourceStateRow.__table__  # type: ignore[attr-defined]
        with self.write() as conn:
            self._ensure_state(conn, source)
            conn.execute(update(table).where(table.c.name == source).values(next_run_at=when))

    def count_events(self) -> int:
        from sqlalchemy import func

        table = EventRow.__table__  # type: ignore[attr-defined]
        with self.read() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _insert_run(conn: Connection, source: str, started_at: datetime) -> int:
    runs = FetchRun.__table__  # type: ignore[attr-defined]
    return int(
        conn.execute(
            insert(runs)
            .values(source=source, started_at=started_at, outcome="running", warnings=[])
            .returning(runs.c.id)
        ).scalar_one()
    )


def stored_ids(results: Sequence[ApplyResult]) -> list[int]:
    return [i for r in results for i in r.stored_ids]
