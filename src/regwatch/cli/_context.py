"""What every command shares: the configuration and the store, opened lazily."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

from ._output import echo

if TYPE_CHECKING:
    from ..config import Config
    from ..store import Store

__all__ = ["AppContext", "get_context", "say"]


@dataclass
class AppContext:
    db_option: str | None = None
    config_option: str | None = None
    #: --quiet: only errors and warnings are printed
    quiet: bool = False
    verbose: bool = False
    _restore: list[Callable[[], None]] = field(default_factory=list, repr=False)
    _config: Config | None = field(default=None, repr=False)
    _store: Store | None = field(default=None, repr=False)

    @property
    def db_url(self) -> str:
        from .._dburl import database_url

        return database_url(self.db_option)

    @property
    def config(self) -> Config:
        if self._config is None:
            from ..config import load_config

            self._config = load_config(self.config_option)
        return self._config

    def store(self, *, create: bool = False) -> Store:
        """The store; ``create`` initializes a database that does not exist yet."""
        if self._store is None:
            from ..store import Store

            self._store = Store.open(self.db_url, create=create)
            self._store.known_sources = _registered_sources
        return self._store

    def raise_log_level(self, level: int) -> None:
        """Log at least at ``level`` (the daemon logs one line per poll at INFO)."""
        import logging

        root = logging.getLogger()
        if root.level > level:
            root.setLevel(level)

    def summaries_only(self) -> None:
        """A command that prints a summary of every poll says each failure once: the poll's
        own log line of a failure is shown only with --verbose."""
        import logging

        if not self.verbose:
            logger = logging.getLogger("regwatch.poll")
            previous = logger.level
            logger.setLevel(logging.ERROR)
            self._restore.append(lambda: logger.setLevel(previous))

    def close(self) -> None:
        while self._restore:
            self._restore.pop()()
        if self._store is not None:
            self._store.close()
            self._store = None


def _registered_sources() -> list[str]:
    from ..sources import SOURCES  # only when a command filters on a source

    return list(SOURCES)


def say(ctx: typer.Context, message: str) -> None:
    """Print a progress or summary line, unless --quiet (errors go through ``typer.echo``)."""
    if not get_context(ctx).quiet:
        echo(message)


def get_context(ctx: typer.Context) -> AppContext:
    obj = ctx.find_root().obj
    assert isinstance(obj, AppContext)
    return obj
