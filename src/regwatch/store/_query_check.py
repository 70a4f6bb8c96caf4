"""Checking the values of an :class:`EventQuery` when it is made (pure, no database).

An unknown value would silently match nothing, which a compliance team reads as "nothing
happened": each one is an error naming the likely intended value instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from .._entity_names import LIST_TITLES
from .._suggest import unknown_value
from ..events import EventKind
from ..exceptions import QueryError

if TYPE_CHECKING:
    from ._query import EventQuery

__all__ = ["checked_fields", "country_code_of"]

#: codes the lists use that ISO 3166 does not assign
_EXTRA_COUNTRY_CODES = frozenset({"XK"})


def _values(name: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, Iterable):
        raise QueryError(f"{name}: expected a string or a sequence of strings, not {value!r}")
    values = tuple(value)
    for item in values:
        if not isinstance(item, str):
            raise QueryError(f"{name}: expected strings, not {item!r}")
    return values


def country_code_of(value: str) -> str:
    """The ISO code for ``value``, a code (``cn``) or a name (``China``, ``中国``).

    :raises QueryError: naming the closest country names
    """
    import pycountry

    text = value.strip()
    if len(text) == 2 and text.isascii() and text.isalpha():
        code = text.upper()
        if code in _EXTRA_COUNTRY_CODES or pycountry.countries.get(alpha_2=code) is not None:
            return code
    from .._countries import country_code, country_names

    found = country_code(text) if text else None
    if found:
        return found
    names = {name.title(): code for name, code in country_names().items() if name.isascii()}
    raise unknown_value("country", value, names, option="country")


def checked_fields(query: EventQuery) -> dict[str, Any]:
    """The query's fields normalized (tuples, upper-case list codes, ISO country codes).

    :raises QueryError: an unknown kind, list or country, or ``since`` after ``until`` (the
        store checks source names and companies, which it knows)
    """
    out: dict[str, Any] = {}
    for name in ("sources", "kinds", "lists", "countries"):
        out[name] = _values(name, getattr(query, name))
    kinds = [kind.value for kind in EventKind]
    for value in out["kinds"]:
        if value not in kinds:
            raise unknown_value("event kind", value, kinds, option="kind")
    lists = []
    for value in out["lists"]:
        code = value.strip().upper()
        if code not in LIST_TITLES:
            raise unknown_value("list", value, LIST_TITLES, option="list")
        lists.append(code)
    out["lists"] = tuple(lists)
    out["countries"] = tuple(country_code_of(value) for value in out["countries"])
    for name in ("since", "until"):
        value = getattr(query, name)
        if value is not None and not isinstance(value, date):
            raise QueryError(f"{name}: expected a date, not {value!r}")
    if query.since and query.until and query.since > query.until:
        raise QueryError(
            f"the date range is inverted: since {query.since} is after until {query.until}"
        )
    if query.limit is not None and (not isinstance(query.limit, int) or query.limit < 0):
        raise QueryError(f"limit: expected a whole number of 0 or more, not {query.limit!r}")
    return out
