"""Versioned migrations (Alembic), run by ``regwatch init`` and checked when a store opens."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from .._masking import mask_url
from ..exceptions import SchemaOutOfDate, StoreError

__all__ = ["current_revision", "head_revision", "schema_status", "upgrade"]

_SCRIPTS = Path(__file__).parent / "migrations"
#: an arbitrary constant: the PostgreSQL advisory lock that serializes concurrent upgrades
_PG_MIGRATION_LOCK = 0x7265_6777  # "regw"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "no migrations shipped"
    return head


def known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def schema_status(engine: Engine) -> tuple[str | None, str]:
    """``(current, head)``: the database's schema revision and the one this regwatch ships."""
    with engine.connect() as conn:
        return current_revision(conn), head_revision()


def check(engine: Engine, url: str) -> None:
    """Refuse a database this regwatch cannot use as it is, saying what to do."""
    current, head = schema_status(engine)
    if current == head:
        return
    url = mask_url(url)
    if current is None:
        with engine.connect() as conn:
            empty = not inspect(conn).get_table_names()
        if empty:
            raise SchemaOutOfDate(f"the database {url} is empty: run `regwatch init` first")
        raise StoreError(f"{url} is not a regwatch database (no schema version)")
    if current not in known_revisions():
        raise StoreError(
            f"the database {url} has schema {current}, made by a newer regwatch; upgrade regwatch"
        )
    raise SchemaOutOfDate(
        f"the database {url} has schema {current}, this regwatch needs {head}: back it up, then "
        "run `regwatch init` to upgrade"
    )


def upgrade(engine: Engine, *, force: bool = False) -> tuple[str | None, str]:
    """Bring the schema to the head revision; returns ``(before, after)``.

    :param force: add regwatch's tables to a database that holds another program's tables.
    :raises StoreError: the schema is newer than this regwatch, or the database is another
        program's (without ``force``).
    """
    with engine.connect().execution_options(regwatch_write=True) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        before = current_revision(conn)
        where = engine.url.render_as_string(hide_password=True)
        if before is not None and before not in known_revisions():
            raise StoreError(
                f"the database {where} has schema {before}, made by a newer regwatch; "
                "upgrade regwatch (init never downgrades)"
            )
        if before is None and not force:
            tables = sorted(inspect(conn).get_table_names())
            if tables:
                shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
                raise StoreError(
                    f"the database {where} already holds tables of another program ({shown}); "
                    "regwatch will not add its own to it. Use a new database, or "
                    "`regwatch init --force` to add them anyway"
                )
        command.upgrade(_config(conn), "head")
        after = current_revision(conn)
    assert after is not None
    return before, after
