"""The store: change events, their provenance, and every source's state, in SQL.

SQLite (the default, ``sqlite:///regwatch.db``) runs in WAL mode with immediate write
transactions, so a CLI reader never blocks the daemon's writer; PostgreSQL works through the same
code (``postgresql+psycopg://…``).  The schema is versioned (Alembic, ``regwatch init``).
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, or_, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from ..exceptions import StoreError
from ..model import (
    ChangeEvent,
    Changes,
    Payload,
    Prior,
    PriorRequest,
    SourceState,
    StoredEvent,
)
from ..timeutil import utcnow
from . import _migrate
from ._engine import describe_failure, make_engine, sqlite_path, upsert_insert
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
from ._listed import apply_listed_changes, event_ids
from ._lists import ListSummary, list_summaries
from ._prior import load_prior
from ._query import EventQuery, build_select
from ._schema import FetchRun, SourceStateRow
from ._snapshot import apply_snapshot_changes
from .tables import COMPANY, EVENT, FETCH_RUN, PAYLOAD, SOURCE_STATE

#: producers of events that are not sources: the reconciliation of the Entity List's views
_OWN_SOURCES = frozenset({"reconcile"})

#: ``Connection``: the transaction :meth:`Store.read` and :meth:`Store.write` yield, which the
#: layers above hand to the store's functions (they never run SQL on it themselves)
__all__ = ["ApplyResult", "Batch", "Connection", "EventQuery", "ListSummary", "Store"]


@dataclass
class Batch:
    """Everything one poll (or one import) of one source writes, in one transaction."""

    source: str
    payloads: list[Payload]
    #: what the source's parser decided: events, snapshot entries, listed parties, cursor
    changes: Changes
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

    @property
    def events(self) -> list[tuple[int | None, ChangeEvent]]:
        return self.changes.events


class Store:
    """A regwatch database.  Open with :meth:`open`; use as a context manager to close it."""

    #: the registered source names, given by the layer that knows them (the CLI and
    #: :func:`regwatch.open_store`); without it, the sources this database has heard of
    known_sources: Callable[[], Collection[str]] | None = None

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
        except OperationalError as exc:
            store.close()
            raise StoreError(_unreachable(url, exc)) from None
        except BaseException:
            store.close()
            raise
        return store

    def init(self, *, force: bool = False) -> tuple[str | None, str]:
        """Create or upgrade the schema; returns ``(revision before, revision after)``.

        :param force: also into a database that holds another program's tables.
        """
        path = sqlite_path(self.url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        return _migrate.upgrade(self.engine, force=force)

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
        self.check_query(query)
        stmt = build_select(query, self.dialect)
        with self.read() as conn:
            for row in conn.execute(stmt):
                yield row_to_stored(row)

    def count_matching(self, query: EventQuery) -> int:
        """How many events :meth:`iter_events` gives for ``query`` without its ``limit``."""
        query = dataclasses.replace(query, limit=None)
        self.check_query(query)
        stmt = build_select(query, self.dialect).order_by(None).subquery()
        with self.read() as conn:
            return int(conn.execute(select(func.count()).select_from(stmt)).scalar_one())

    def check_query(self, query: EventQuery) -> None:
        """The names ``query`` filters on that only the database knows: sources and company.

        :raises QueryError: naming the likely intended source or company
        """
        if query.sources:
            registered = set(self.known_sources()) if self.known_sources is not None else set()
            registered |= _OWN_SOURCES
            unknown = [name for name in query.sources if name not in registered]
            if unknown:
                # A source no longer registered (renamed, or a plugin gone) still has its
                # events: a name with events or state is known too.
                with self.read() as conn:
                    known = registered | set(conn.execute(select(SOURCE_STATE.c.name)).scalars())
                    known |= set(conn.execute(select(EVENT.c.source).distinct()).scalars())
                for name in unknown:
                    if name not in known:
                        from .._suggest import unknown_value

                        raise unknown_value("source", name, known, option="source")
        if query.company is not None:
            self.check_company(query.company)

    def check_company(self, name: str) -> str:
        """``name`` if a watch list was imported for it.

        :raises QueryError: saying which company was likely meant
        """
        table = COMPANY
        with self.read() as conn:
            names = list(conn.execute(select(table.c.name)).scalars())
        if name not in names:
            from .._suggest import unknown_value

            raise unknown_value("company", name, names, option="company")
        return name

    def event(self, event_id: int) -> StoredEvent | None:
        table = EVENT
        with self.read() as conn:
            row = conn.execute(select(table).where(table.c.id == event_id)).first()
        return row_to_stored(row) if row else None

    def revisions(self, key: str) -> list[StoredEvent]:
        """Every stored version of ``key``, oldest first."""
        table = EVENT
        with self.read() as conn:
            rows = conn.execute(select(table).where(table.c.key == key).order_by(table.c.revision))
            return [row_to_stored(r) for r in rows]

    def payload_info(self, payload_id: int) -> dict[str, Any] | None:
        """Provenance of a payload: URL, fetch time, hash, size (not the body)."""
        table = PAYLOAD
        cols = [c for c in table.c if c.name != "body"]
        with self.read() as conn:
            row = conn.execute(
                select(*cols, (table.c.body.is_not(None)).label("body_kept")).where(
                    table.c.id == payload_id
                )
            ).first()
        return dict(row._mapping) if row else None

    def payload_body(self, payload_id: int) -> tuple[str, bytes] | None:
        """``(url, body)`` of a stored payload whose body was kept, else ``None``."""
        with self.read() as conn:
            row = conn.execute(
                select(PAYLOAD.c.url, PAYLOAD.c.body).where(PAYLOAD.c.id == payload_id)
            ).first()
        if row is None or row.body is None:
            return None
        return row.url, zlib.decompress(row.body)

    def save_batch(self, batch: Batch) -> ApplyResult:
        """Store ``batch`` in one transaction: provenance, events, source state, fetch run.

        Either all of it is written or none of it; the source's cursor only moves when its
        events are stored.
        """
        with self.write() as conn:
            return self._save_batch(conn, batch)

    def record_events(self, events: Sequence[ChangeEvent]) -> ApplyResult:
        """Store events that no fetch produced (reconciliation findings), in one transaction:
        new keys, revisions and no-ops are decided as for a poll, without a fetch run or a
        source state."""
        with self.write() as conn:
            latest, seen = latest_versions([(None, e) for e in events])
            heads = load_heads(conn, list(latest))
            previous = load_events(conn, revised_heads(latest, heads))
            intents, unchanged = plan_events(latest, seen, heads, previous)
            result = apply_intents(conn, intents, [], utcnow())
            result.unchanged = unchanged
            return result

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
        self._apply_lists(conn, batch, payload_ids, now)
        if not batch.imported:
            self._record_success(conn, batch, now)
        outcome = "import" if batch.imported else "not_modified" if batch.not_modified else "ok"
        runs = FETCH_RUN
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

    def _apply_lists(
        self, conn: Connection, batch: Batch, payload_ids: Sequence[int], now: datetime
    ) -> None:
        """The batch's snapshot entries and listed parties, once its events are stored."""
        changes = batch.changes
        if changes.entries:
            index = changes.entries.payload_index
            apply_snapshot_changes(
                conn,
                batch.source,
                changes.entries,
                payload_id=payload_ids[index] if index is not None else None,
                now=now,
            )
        if changes.listed:
            keys = [e.key for _, e in changes.events]
            apply_listed_changes(conn, batch.source, changes.listed, event_ids(conn, keys), now=now)

    def prior(self, source: str, request: PriorRequest) -> Prior:
        """What ``source``'s parser asked to know of the past, as it stands now."""
        state = self.source_state(source)
        with self.read() as conn:
            return load_prior(conn, source, request, state)

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
        table = SOURCE_STATE
        with self.read() as conn:
            row = conn.execute(select(table).where(table.c.name == name)).first()
        return SourceStateRow.model_validate(dict(row._mapping)) if row else None

    def list_summaries(self) -> list[ListSummary]:
        """Every list held: its size, the sources writing it, its newest change."""
        with self.read() as conn:
            return list_summaries(conn)

    def source_state_rows(self) -> dict[str, SourceStateRow]:
        table = SOURCE_STATE
        with self.read() as conn:
            return {
                r.name: SourceStateRow.model_validate(dict(r._mapping))
                for r in conn.execute(select(table))
            }

    def last_runs(self, source: str, limit: int = 10) -> list[FetchRun]:
        table = FETCH_RUN
        with self.read() as conn:
            rows = conn.execute(
                select(table)
                .where(table.c.source == source)
                .order_by(table.c.id.desc())
                .limit(limit)
            )
            return [FetchRun.model_validate(dict(r._mapping)) for r in rows]

    def _ensure_state(self, conn: Connection, name: str) -> None:
        table = SOURCE_STATE
        # ON CONFLICT DO NOTHING: two writers on PostgreSQL may create the same row at once
        conn.execute(
            upsert_insert(conn, table)
            .values(name=name, cursor={}, validators={}, consecutive_failures=0)
            .on_conflict_do_nothing(index_elements=["name"])
        )

    def _record_success(self, conn: Connection, batch: Batch, now: datetime) -> None:
        table = SOURCE_STATE
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
        message = describe_failure(error)
        table = SOURCE_STATE
        with self.write() as conn:
            run_id = _insert_run(conn, source, started_at)
            runs = FETCH_RUN
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
        table = SOURCE_STATE
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
        table = SOURCE_STATE
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
        table = SOURCE_STATE
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
        table = SOURCE_STATE
        with self.write() as conn:
            self._ensure_state(conn, source)
            conn.execute(update(table).where(table.c.name == source).values(ops_notice=notice))

    def merge_cursor(self, source: str, patch: dict[str, Any]) -> None:
        """Set some keys of a source's saved cursor (``None`` removes one), leaving the others
        as a concurrent poll may just have written them (``regwatch reprocess`` uses it)."""
        with self.write() as conn:
            self._ensure_state(conn, source)
            table = SOURCE_STATE
            row = conn.execute(
                select(table.c.cursor).where(table.c.name == source).with_for_update()
            ).one()
            cursor = {**(row.cursor or {}), **patch}
            cursor = {k: v for k, v in cursor.items() if v is not None}
            conn.execute(update(table).where(table.c.name == source).values(cursor=cursor))

    def set_next_run(self, source: str, when: datetime | None) -> None:
        table = SOURCE_STATE
        with self.write() as conn:
            self._ensure_state(conn, source)
            conn.execute(update(table).where(table.c.name == source).values(next_run_at=when))

    def count_events(self) -> int:
        table = EVENT
        with self.read() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _unreachable(url: str, exc: OperationalError) -> str:
    """One line for a database that cannot be reached (the driver's message says why)."""
    shown = make_url(url).render_as_string(hide_password=True)
    reason = str(exc.orig or exc).strip().splitlines()[0]
    reason = reason.removeprefix("connection failed: ")
    return f"cannot reach the database {shown}: {reason}"


def _insert_run(conn: Connection, source: str, started_at: datetime) -> int:
    runs = FETCH_RUN
    return int(
        conn.execute(
            insert(runs)
            .values(source=source, started_at=started_at, outcome="running", warnings=[])
            .returning(runs.c.id)
        ).scalar_one()
    )


def stored_ids(results: Sequence[ApplyResult]) -> list[int]:
    return [i for r in results for i in r.stored_ids]
