"""Listed parties: keys, names and citations, and the current entries of every list.

The public face of two private modules:

- :mod:`regwatch._entity_names` (pure): :func:`entity_key`, :func:`normalize_name`,
  :func:`parse_citations`, :func:`country_from_heading`, the list codes and titles;
- :mod:`regwatch.sources._listing` (pure): :func:`entity_listing_changes` turns entity events
  into the :class:`~regwatch.model.ListedChanges` a source returns, :func:`find_listed` finds the
  listed party a rule means;
- :mod:`regwatch.store._listed` (SQL, in the caller's transaction): :func:`current_entries`,
  :func:`replace_list`, :func:`upsert_listed`, :func:`remove_listed`.

A source that lists parties (the CSL, Federal Register rules, METI's End User List) emits
``entity.added`` / ``entity.revised`` / ``entity.removed`` events whose key, or whose
``data["entity_key"]``, is :func:`entity_key` of the party, and returns with them the
:class:`~regwatch.model.ListedChanges` they imply (from :func:`entity_listing_changes`); a first
snapshot that should not flood digests replaces the list's rows instead
(``ListedChanges.replace``).  The store applies both in one transaction.

An entity event with ``data["confirms"]`` repeats what an earlier event (named there, usually
the Federal Register rule's event about the same party) already reported: see
:func:`confirms` (the rule lives in :mod:`regwatch.alerts`).
"""

from __future__ import annotations

from ._entity_names import (
    LIST_CODES,
    LIST_TITLES,
    Citation,
    country_from_heading,
    disambiguate,
    entity_key,
    format_citation,
    normalize_name,
    parse_citations,
    repair_text,
    same_party_name,
)
from .alerts import confirms
from .model import ListedEntry
from .sources._listing import entity_listing_changes, find_listed
from .store._listed import current_entries, remove_listed, replace_list, upsert_listed

__all__ = [
    "LIST_CODES",
    "LIST_TITLES",
    "Citation",
    "ListedEntry",
    "confirms",
    "country_from_heading",
    "current_entries",
    "disambiguate",
    "entity_key",
    "entity_listing_changes",
    "find_listed",
    "format_citation",
    "normalize_name",
    "parse_citations",
    "remove_listed",
    "repair_text",
    "replace_list",
    "same_party_name",
    "upsert_listed",
]
