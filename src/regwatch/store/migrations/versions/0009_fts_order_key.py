"""The full-text index in the change log's order: each ``event_fts`` row's rowid becomes the
event's order key (its date in the high bits, its id in the low 32; see ``store/_query.py``),
so a search reads the newest hits first and stops after one page.  SQLite only: PostgreSQL has
no ``event_fts``.

Revision ID: 0009_fts_order_key
Revises: 0007_channels
"""

from __future__ import annotations

from alembic import op

revision = "0009_fts_order_key"
down_revision = "0007_channels"
branch_labels = None
depends_on = None

_CREATE = (
    "CREATE VIRTUAL TABLE {name} USING fts5("
    "words, cjk2, cjk1, tokenize='unicode61 remove_diacritics 2')"
)
#: the day number Python's ``date.toordinal`` gives (1 for 0001-01-01), from SQLite's julianday
_ORDINAL = "CAST(julianday(event.event_on) - 1721424.5 AS INTEGER)"


def _rebuild(new_rowid: str, source_join: str) -> None:
    op.execute(_CREATE.format(name="event_fts_rebuilt"))
    op.execute(
        "INSERT INTO event_fts_rebuilt (rowid, words, cjk2, cjk1) "
        f"SELECT {new_rowid}, f.words, f.cjk2, f.cjk1 FROM event_fts AS f {source_join}"
    )
    op.execute("DROP TABLE event_fts")
    op.execute("ALTER TABLE event_fts_rebuilt RENAME TO event_fts")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild(f"({_ORDINAL} << 32) | event.id", "JOIN event ON event.id = f.rowid")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild("f.rowid & 4294967295", "")
