"""Full-text search that reads one page, not every hit.

SQLite: each ``event_fts`` row's rowid becomes the event's order key (its date in the high bits,
its id in the low 32; see ``store/_query.py``), so a search reads the newest hits first from the
index and stops after one page.

PostgreSQL: a trigram index (``pg_trgm``) over the text a search looks in, so that
``ILIKE '%term%'`` finds the matching rows from the index.  The extension needs the right to
create it in the database (any database owner has it since PostgreSQL 13); without it the
upgrade goes on without the index and searches read every event, as before.

Revision ID: 0009_fts_order_key
Revises: 0007_channels
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0009_fts_order_key"
down_revision = "0007_channels"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

_CREATE = (
    "CREATE VIRTUAL TABLE {name} USING fts5("
    "words, cjk2, cjk1, tokenize='unicode61 remove_diacritics 2')"
)
#: the day number Python's ``date.toordinal`` gives (1 for 0001-01-01), from SQLite's julianday
_ORDINAL = "CAST(julianday(event.event_on) - 1721424.5 AS INTEGER)"
#: the same expression as ``PG_SEARCH_TEXT`` in store/_query.py (the planner matches it exactly)
_PG_SEARCH_TEXT = (
    "(coalesce(event.title, '') || ' ' || coalesce(event.summary, '') || ' ' || "
    "coalesce(event.document_number, '') || ' ' || coalesce(event.citation, '') || ' ' || "
    "coalesce(event.entity::text, ''))"
)
_PG_INDEX = "ix_event_search_trgm"


def _rebuild(new_rowid: str, source_join: str) -> None:
    op.execute(_CREATE.format(name="event_fts_rebuilt"))
    op.execute(
        "INSERT INTO event_fts_rebuilt (rowid, words, cjk2, cjk1) "
        f"SELECT {new_rowid}, f.words, f.cjk2, f.cjk1 FROM event_fts AS f {source_join}"
    )
    op.execute("DROP TABLE event_fts")
    op.execute("ALTER TABLE event_fts_rebuilt RENAME TO event_fts")


def _pg_trigram_index() -> None:
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as exc:
        log.warning("no pg_trgm extension (%s): full-text search reads every event", exc.orig)
        return
    op.execute(f"CREATE INDEX {_PG_INDEX} ON event USING gin ({_PG_SEARCH_TEXT} gin_trgm_ops)")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(f"({_ORDINAL} << 32) | event.id", "JOIN event ON event.id = f.rowid")
    else:
        _pg_trigram_index()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild("f.rowid & 4294967295", "")
    else:
        op.execute(f"DROP INDEX IF EXISTS {_PG_INDEX}")
