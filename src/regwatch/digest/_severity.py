"""How urgent a match is, decided in one place (pure: no I/O, no database).

Three levels, the words a compliance team uses for triage:

============  ===============================================================================
critical      a watched party itself was listed, revised or removed on a restricted-party list
              (``entity.added``, ``entity.revised``, ``entity.removed``), or a listing of one
              lags in a screening list (``listing.lagging``, and the other ``listing.*``
              findings, except ``listing.resolved``, which is info: the views agree again):
              act today
high          a watched ECCN or CFR part is named by a rule, notice or list revision; or a
              watched party is named in a document rather than listed
info          keywords, countries and topics: context worth reading, rarely an action
============  ===============================================================================

The matcher's *tier* says how sure the match is, not how much it matters; a ``review``-tier
match (a weaker name match, a parent ECCN, a part named where a section is watched) is one level
lower than the table says, never lower than ``info``.  A watch item may fix its level with
``severity:`` in the watch list; that wins over everything here.

An item (an event with every match that brought it into a digest) takes the highest level of
its matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import lru_cache
from typing import Any

__all__ = ["LEVELS", "Severity", "item_severity", "severity_of", "why_severity"]


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical (sorted first), 2 for info."""
        return _RANK[self]

    @property
    def mark(self) -> str:
        """The plain-text badge: a word, never only a colour."""
        return f"[{self.value.upper()}]"


_RANK = {Severity.CRITICAL: 0, Severity.HIGH: 1, Severity.INFO: 2}
LEVELS: tuple[Severity, ...] = (Severity.CRITICAL, Severity.HIGH, Severity.INFO)

#: event kinds where the event *is* the listing of a party: a watched party here is critical
_LISTING_KINDS = frozenset({"entity.added", "entity.revised", "entity.removed"})
#: findings about a listing across its views (rule, eCFR, screening list); ``listing.lagging``
#: says a screening list does not show the listing yet
_FINDING_PREFIX = "listing."
#: the finding that closes an earlier one: nothing left to do
_RESOLVED = "listing.resolved"


def _lower(level: Severity) -> Severity:
    return LEVELS[min(level.rank + 1, len(LEVELS) - 1)]


def _base(watch_kind: str, event_kind: str) -> Severity:
    if event_kind == _RESOLVED:
        return Severity.INFO
    if watch_kind == "entity":
        if event_kind in _LISTING_KINDS or event_kind.startswith(_FINDING_PREFIX):
            return Severity.CRITICAL
        return Severity.HIGH
    if watch_kind in ("eccn", "cfr"):
        return Severity.HIGH
    return Severity.INFO


def parse_override(spec: Mapping[str, Any] | None) -> Severity | None:
    """The ``severity`` a watch item's spec fixes, if any (validated when the list is read)."""
    value = (spec or {}).get("severity")
    try:
        return Severity(value) if isinstance(value, str) else None
    except ValueError:
        return None


# a handful of distinct arguments (watch kinds × event kinds × tiers), asked for by every match
# of every digest: remembered (bounded, whatever kinds a database holds)
@lru_cache(maxsize=1024)
def severity_of(
    watch_kind: str, event_kind: str, tier: str, override: Severity | None = None
) -> Severity:
    """The level of one match (see the module docstring for the table)."""
    if override is not None:
        return override
    level = _base(watch_kind, event_kind)
    return _lower(level) if tier == "review" else level


@lru_cache(maxsize=1024)
def why_severity(
    watch_kind: str, event_kind: str, tier: str, override: Severity | None = None
) -> str:
    """One line saying why a match has its level, for the small print of a digest."""
    level = severity_of(watch_kind, event_kind, tier, override)
    if override is not None:
        return f"{level.value}: set on the watch item"
    base = _base(watch_kind, event_kind)
    if event_kind == _RESOLVED:
        reason = "the views of the listing agree again"
    elif watch_kind == "entity" and base is Severity.CRITICAL:
        reason = "a watched party itself is on the list"
    elif watch_kind == "entity":
        reason = "a watched party is named in the document"
    elif base is Severity.HIGH:
        reason = f"a watched {'ECCN' if watch_kind == 'eccn' else 'CFR part'} is named"
    else:
        reason = f"a watched {watch_kind} is mentioned"
    if level is not base:
        reason += "; lowered one level: the match is for review, not certain"
    return f"{level.value}: {reason}"


def item_severity(levels: Iterable[Severity]) -> Severity:
    """An item's level: the highest of its matches' (``info`` for none)."""
    return min(levels, key=lambda s: s.rank, default=Severity.INFO)
