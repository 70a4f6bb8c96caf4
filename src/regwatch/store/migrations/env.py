"""Alembic environment: regwatch runs migrations programmatically on a connection it owns."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    # SQLite can only ALTER through table copies; batch mode does that.
    render_as_batch=True,
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
