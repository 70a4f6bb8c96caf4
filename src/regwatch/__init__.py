"""regwatch: watch export-control sources; tell compliance teams what changed that touches them.

The Python API for developers who query the change log from their own code::

    import regwatch

    with regwatch.open_store() as store:          # $REGWATCH_DB, else sqlite:///regwatch.db
        query = regwatch.EventQuery(kinds=("entity.added",), lists=("EL",), countries=("CN",))
        for event in store.iter_events(query):
            print(event.id, event.event.title, event.to_json()["published_on"])
"""

__version__ = "0.1.0"

from .events import ChangeEvent, Entity, EventKind, StoredEvent
from .exceptions import (
    ConfigError,
    FetchError,
    InputError,
    ParseError,
    RegwatchError,
    SchemaOutOfDate,
    StoreError,
)
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
    "RegwatchError",
    "SchemaOutOfDate",
    "Store",
    "StoreError",
    "StoredEvent",
    "__version__",
    "open_store",
]


def open_store(url: str | None = None) -> Store:
    """Open an existing regwatch database: ``url``, else ``$REGWATCH_DB``, else
    ``sqlite:///regwatch.db``.  Use it as a context manager to close it.

    :raises StoreError: the database does not exist or needs ``regwatch init``.
    """
    from .config import database_url

    return Store.open(database_url(url))
