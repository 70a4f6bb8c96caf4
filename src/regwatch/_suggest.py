"""Saying "did you mean …" for a value that is not one of the known ones.

Used by every filter of the change log, the screening lists and the CLI's choices, so that an
unknown value is an error that names the likely intended one, never an empty answer.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from .exceptions import QueryError

__all__ = ["close_matches", "unknown_value"]

_WORD_BREAK = re.compile(r"[\s._\-/]+")


def _initials(choice: str) -> str:
    return "".join(word[:1] for word in _WORD_BREAK.split(choice.lower()) if word)


def close_matches(value: str, choices: Iterable[str], *, limit: int = 3) -> list[str]:
    """The choices ``value`` most likely meant: same text in another case, a prefix
    (``Acme`` for ``Acme Corp``), the initials (``fr`` for ``federal_register``), then the
    closest spellings (``entity.add`` for ``entity.added``)."""
    options = list(dict.fromkeys(choices))
    folded = value.casefold().strip()
    found = [c for c in options if c.casefold() == folded]
    found += [c for c in options if folded and c.casefold().startswith(folded)]
    found += [c for c in options if len(folded) > 1 and _initials(c) == folded]
    lowered = {c.casefold(): c for c in options}
    found += [lowered[c] for c in difflib.get_close_matches(folded, list(lowered), n=limit)]
    return list(dict.fromkeys(found))[:limit]


def unknown_value(what: str, value: str, choices: Iterable[str], *, option: str = "") -> QueryError:
    """The error for ``value`` that is not a known ``what``: the likely intended values, else
    every known one (when there are few)."""
    options = sorted(dict.fromkeys(choices))
    where = f"{option}: " if option else ""
    message = f"{where}unknown {what} {value!r}"
    suggestions = close_matches(value, options)
    if suggestions:
        message += "; did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
    elif not options:
        message += f" (there is no {what} yet)"
    elif len(options) <= 20:
        message += "; known: " + ", ".join(options)
    return QueryError(message)
