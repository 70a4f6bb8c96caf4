"""Engine setup: SQLite in WAL mode with immediate write transactions, or PostgreSQL.

SQLite's default deferred transactions fail at once with "database is locked" when a transaction
that has read then tries to write after another connection committed (``SQLITE_BUSY_SNAPSHOT``:
``busy_timeout`` does not apply).  So every write transaction starts with ``BEGIN IMMEDIATE``
and waits for the lock up front, while read transactions stay deferred: in WAL mode a reader
never blocks the writer, and the writer never blocks a reader.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from .._masking import mask_url, unencoded_password
from ..exceptions import ConfigError

__all__ = [
    "BUSY_TIMEOUT_MS",
    "database_error_message",
    "describe_failure",
    "explain_database_error",
    "make_engine",
    "sqlite_path",
    "upsert_insert",
]

BUSY_TIMEOUT_MS = 30_000


def upsert_insert(conn: Connection, table: Table) -> Any:
    """An INSERT that supports ``on_conflict_do_nothing`` / ``…_do_update`` on this dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def sqlite_path(url: str) -> Path | None:
    """The database file of a ``sqlite:///`` URL, or ``None`` (memory, other backends)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def explain_database_error(exc: DBAPIError) -> str:
    """What went wrong with the database, for a person: the driver's own first line, never the
    SQL statement or its parameters (which may hold data from outside)."""
    reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc).__name__
    lowered = reason.lower()
    if "database is locked" in lowered or "database table is locked" in lowered:
        return (
            f"the database is locked: another regwatch (or another program) held it for more "
            f"than {BUSY_TIMEOUT_MS // 1000} s; try again when it is done"
        )
    if "file is not a database" in lowered or "malformed" in lowered:
        return f"the database file is damaged or is not an SQLite database ({reason})"
    if "readonly" in lowered or "read-only" in lowered:
        return f"the database is read-only: this command needs to write ({reason})"
    if "unable to open" in lowered:
        return f"the database file cannot be opened ({reason})"
    return f"database error: {reason}"


def database_error_message(exc: BaseException) -> str | None:
    """:func:`explain_database_error` when ``exc`` is an error of the database driver, else
    ``None``."""
    return explain_database_error(exc) if isinstance(exc, DBAPIError) else None


#: longest failure message kept in a source's health (error bodies are cut long before)
_FAILURE_CHARS = 1_000


def describe_failure(error: BaseException) -> str:
    """A failure as it is stored and shown: ``Type: message``, one printable piece of text of
    bounded length; a database error says what happened, never the SQL statement (which holds
    data from outside) nor its parameters."""
    from .._bounds import cut
    from .._terminal import printable

    if isinstance(error, DBAPIError):
        text = f"{type(error).__name__}: {explain_database_error(error)}"
    elif isinstance(error, SQLAlchemyError):
        text = f"{type(error).__name__}: the database refused the data (a regwatch bug)"
    else:
        text = f"{type(error).__name__}: {error}"
    return cut(printable(text), _FAILURE_CHARS)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and immediate write transactions."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a terse message
        raise ConfigError(
            f"bad database URL {mask_url(url)!r}: expected e.g. sqlite:///regwatch.db or "
            "postgresql+psycopg://user:pass@host/db"
        ) from exc
    if unencoded_password(url, parsed.password):
        raise ConfigError(
            f"bad database URL {mask_url(url)!r}: its password holds characters that must be "
            "percent-encoded (/ → %2F, @ → %40, ? → %3F, # → %23, : → %3A)"
        )
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        try:
            return create_engine(url, pool_pre_ping=True)
        except ModuleNotFoundError as exc:
            raise ConfigError(
                f"{exc.name} is not installed: pip install 'regwatch[postgres]'"
            ) from exc
    raise ConfigError(f"unsupported database {backend!r}: use sqlite:/// or postgresql+psycopg://")


def _read_only(path: Path | None) -> bool:
    """A database file this process may read but not write (a backup, another user's copy)."""
    return (
        path is not None
        and path.is_file()
        and os.access(path, os.R_OK)
        and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))
    )


def _sqlite_engine(url: str) -> Engine:
    path = sqlite_path(url)
    read_only = _read_only(path)
    connect_args: dict[str, Any] = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    if read_only:
        # Opened read-only, the commands that only read work; one that writes fails with
        # "attempt to write a readonly database", explained by explain_database_error.
        # A WAL database needs its shared-memory index, which a reader without write access
        # cannot create; with no write-ahead log in use, the file is read as immutable.
        assert path is not None
        in_use = Path(f"{path}-wal").exists()
        uri = f"{path.resolve().as_uri()}?mode=ro" + ("" if in_use else "&immutable=1")
        engine = create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, **connect_args)
        )
    else:
        engine = create_engine(url, connect_args=connect_args)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN, instead of pysqlite's own logic.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        if not read_only:  # the journal mode is written into the file
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("regwatch_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine
