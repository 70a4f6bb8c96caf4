"""A party as a list reader reads it: the :class:`~._snapshot.ListRecord` every list source diffs,
built by the pure readers of the MOF workbook, METI's Russia lists and MOFCOM's notices.

The readers name where each party was read (``sheet '28.ロシア連邦' row 7``) for their error
messages; that is kept out of the record, which is compared between reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from ._snapshot import ListRecord

__all__ = ["party"]


def party(
    key: str,
    list_code: str,
    name: str,
    *,
    aliases: tuple[str, ...] = (),
    addresses: tuple[str, ...] = (),
    country: str | None = None,
    details: Mapping[str, Any] | None = None,
    listed_on: date | None = None,
    url: str | None = None,
) -> ListRecord:
    """A :class:`ListRecord`, with the aliases cleaned: unique, never the name itself."""
    unique = tuple(a for a in dict.fromkeys(aliases) if a and a != name)
    return ListRecord(
        key=key,
        list_code=list_code,
        name=name,
        aliases=unique,
        addresses=tuple(dict.fromkeys(addresses)),
        country=country,
        details=dict(details or {}),
        listed_on=listed_on,
        url=url,
    )
