"""Which database a command uses: kept apart from the configuration so that finding it costs no
imports (``regwatch events`` starts without loading every source's settings)."""

from __future__ import annotations

import os

__all__ = ["DEFAULT_DB", "database_url"]

DEFAULT_DB = "sqlite:///regwatch.db"


def database_url(option: str | None = None) -> str:
    """``--db``, else ``REGWATCH_DB``, else ``sqlite:///regwatch.db``; a bare path means SQLite."""
    url = option or os.environ.get("REGWATCH_DB") or DEFAULT_DB
    if "://" not in url:
        url = f"sqlite:///{url}"
    return url
