"""The registry of sources: one module per source, one :func:`register` call each.

Adding a source is one module under ``regwatch/sources/`` that defines a :class:`Source`
subclass, decorates it with :func:`register`, and is imported at the bottom of this file.
"""

from __future__ import annotations

from typing import Any, TypeVar

from ..exceptions import UnknownSourceError
from ._base import Collection, Payload, Source, SourceSettings, SourceState

__all__ = [
    "SOURCES",
    "Collection",
    "Payload",
    "Source",
    "SourceSettings",
    "SourceState",
    "get_source_class",
    "register",
]

SOURCES: dict[str, type[Source[Any]]] = {}

T = TypeVar("T", bound=type[Source[Any]])


def register(cls: T) -> T:
    """Class decorator: make ``cls`` known under ``cls.name``."""
    if cls.name in SOURCES and SOURCES[cls.name] is not cls:
        raise RuntimeError(f"two sources registered as {cls.name!r}")
    SOURCES[cls.name] = cls
    return cls


def get_source_class(name: str) -> type[Source[Any]]:
    """The source registered as ``name``; :raises UnknownSourceError: listing the known ones."""
    try:
        return SOURCES[name]
    except KeyError:
        known = ", ".join(sorted(SOURCES))
        raise UnknownSourceError(f"unknown source {name!r}; known sources: {known}") from None


# The built-in sources register themselves on import.
from . import csl, federal_register, meti, meti_eul, ofac, un  # noqa: E402,F401
