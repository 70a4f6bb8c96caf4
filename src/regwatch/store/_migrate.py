"""Versioned migrations (Alembic), run by ``regwatch init`` and checked when a store opens."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from .._masking import mask_url
from ..exceptions import SchemaOutOfDate, StoreError

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["current_revision", "head_revision", "schema_status", "upgrade"]

_SCRIPTS = Path(__file__).parent / "migrations"
#: an arbitrary constant: the PostgreSQL advisory lock that serializes concurrent upgrades
_PG_MIGRATION_LOCK = 0x7265_6777  # "regw"


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "no migrations shipped"
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def schema_status(engine: Engine) -> tuple[str | None, str]:
    """``(current, head)``: the database's schema revision and the one this regwatch ships."""
    with engine.connect() as conn:
        return current_revision(conn), head_revision()


_REVISION = re.compile(r"^revision(?:: *str)? *= *[\"']([^\"']+)[\"'] *$", re.M)
_DOWN = re.compile(r"^down_revision(?:: *[^=]+)? *= *(?:None|[\"']([^\"']+)[\"']) *$", re.M)


def quick_head() -> str | None:
    """The head revision read from the migration files as text, without Alembic (whose import
    is most of a read-only command's start-up); ``None`` whenever a file is not in the plain
    form (one ``revision``, one ``down_revision`` string or ``None``) or there is not exactly
    one head, and then Alembic decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (_SCRIPTS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(source), _DOWN.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        if down[0]:
            parents.add(down[0])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def _quick_current(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:
        return None
    return rows[0][0] if len(rows) == 1 else None


def check(engine: Engine, url: str) -> None:
    """Refuse a database this regwatch cannot use as it is, saying what to do."""
    head = quick_head()
    if head is not None and _quick_current(engine) == head:
        return  # the usual case, decided without Alembic
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
    from alembic import command

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
