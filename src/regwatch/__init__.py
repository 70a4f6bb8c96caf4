"""regwatch: watch export-control sources; tell compliance teams what changed that touches them.

The Python API for developers who query the change log from their own code::

    import regwatch

    with regwatch.open_store() as store:          # $REGWATCH_DB, else sqlite:///regwatch.db
        query = regwatch.EventQuery(kinds=("entity.added",), lists=("EL",), countries=("CN",))
        for event in store.iter_events(query):
            print(event.id, event.event.title, event.to_json()["published_on"])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .exceptions import (
        ConfigError,
        FetchError,
        InputError,
        ParseError,
        RegwatchError,
        SchemaOutOfDate,
        StoreError,
    )
    from .model import ChangeEvent, Entity, EventKind, StoredEvent
    from .store import EventQuery, Store

__all__ = [
    "ChangeEvent",
    "ConfigError",
    "Entity",
    "EventKind",
    "EventQuery",
    "FetchError",
    "InputError",
    "ParseError",
    "QueryError",
    "RegwatchError",
    "SchemaOutOfDate",
    "Store",
    "StoreError",
    "StoredEvent",
    "__version__",
    "open_store",
    "registered_sources",
]

#: where each public name lives; imported on first use, so that ``import regwatch`` (and the
#: command line's start-up) loads neither SQLAlchemy nor the sources until they are needed
_LAZY = {
    "ChangeEvent": "model",
    "Entity": "model",
    "EventKind": "model",
    "StoredEvent": "model",
    "ConfigError": "exceptions",
    "FetchError": "exceptions",
    "InputError": "exceptions",
    "ParseError": "exceptions",
    "QueryError": "exceptions",
    "RegwatchError": "exceptions",
    "SchemaOutOfDate": "exceptions",
    "StoreError": "exceptions",
    "EventQuery": "store",
    "Store": "store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'regwatch' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def open_store(url: str | None = None) -> Store:
    """Open an existing regwatch database: ``url``, else ``$REGWATCH_DB``, else
    ``sqlite:///regwatch.db``.  Use it as a context manager to close it.

    :raises StoreError: the database does not exist or needs ``regwatch init``.
    """
    from .config import database_url
    from .store import Store

    store = Store.open(database_url(url))
    store.known_sources = registered_sources
    return store


def registered_sources() -> list[str]:
    """The names of every registered source (``EventQuery(sources=…)`` is checked against
    them)."""
    from .sources import SOURCES

    return list(SOURCES)
