"""Whether one Federal Register API record has the shape regwatch reads (pure).

One hostile or broken record must not fail a whole page on every poll: a record that is not
what the API documents (an abstract that is an object, a list of numbers where strings belong,
a document number that is not a string, NaN or Infinity anywhere, objects nested far deeper
than any real record) is skipped and reported as a warning, and the rest of the page is stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from math import isfinite
from typing import Any

__all__ = ["MAX_DEPTH", "readable_records", "record_problem"]

#: document numbers as the API gives them: ``2024-01234``, ``C1-2024-01234``, ``E4-12345``, …
_DOCUMENT_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_TEXT_FIELDS = (
    "title",
    "abstract",
    "action",
    "dates",
    "type",
    "citation",
    "html_url",
    "pdf_url",
    "full_text_xml_url",
    "raw_text_url",
    "json_url",
    "publication_date",
    "effective_on",
    "filing_type",
    "filed_at",
    "editorial_note",
    "correction_of",
)
_TEXT_LISTS = ("regulation_id_numbers", "docket_ids", "docket_numbers", "topics", "corrections")
_NUMBERS = ("volume", "start_page", "end_page", "num_pages")
_OBJECT_LISTS = ("agencies", "cfr_references")

#: levels of objects and lists a record may nest: API records nest five, and a structure
#: thousands deep would stop the C encoder (and every recursive reader) with a RecursionError
MAX_DEPTH = 100

#: the types a field may have for the quick check (what ``json.loads`` gives; anything else,
#: subclasses included, goes through the field-by-field check)
_TEXT_OR_NONE = frozenset({str, type(None)})
_TEXT = frozenset({str})
_NUMBER_OR_NONE = frozenset({int, type(None)})
_LIST_OR_NONE = frozenset({list, type(None)})
_FLAG_OR_NONE = frozenset({bool, type(None)})
#: values that hold nothing further and are never NaN or Infinity
_SCALARS = frozenset({str, int, bool, type(None)})


def readable_records(records: Sequence[Any]) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """``records`` split, each checked once: those regwatch can read, and ``(index, problem)``
    for the others."""
    readable: list[dict[str, Any]] = []
    problems: list[tuple[int, str]] = []
    for index, record in enumerate(records):
        problem = record_problem(record)
        if problem is None:
            readable.append(record)
        else:
            problems.append((index, problem))
    return readable, problems


def record_problem(record: Any) -> str | None:
    """What is wrong with ``record``, or ``None`` when regwatch can read it."""
    if not isinstance(record, Mapping):
        return f"expected an object, got {type(record).__name__}"
    if not _plainly_readable(record):
        problem = _field_problem(record)
        if problem is not None:
            return problem
    number = record["document_number"]
    values = list(record.values())
    depth = _depth_or_non_finite(values)
    if depth is None:
        return f"{number}: holds NaN or Infinity, which JSON does not allow"
    if depth > MAX_DEPTH:
        return f"{number}: nested more than {MAX_DEPTH} levels deep"
    return None


def _plainly_readable(record: Mapping[str, Any]) -> bool:
    """The quick check of every field, one pass over each group in C: true means
    :func:`_field_problem` finds nothing; false, that it has to look field by field."""
    get = record.get
    number = get("document_number")
    return (
        type(number) is str
        and _DOCUMENT_NUMBER.fullmatch(number) is not None
        and _TEXT_OR_NONE.issuperset(map(type, map(get, _TEXT_FIELDS)))
        and _NUMBER_OR_NONE.issuperset(map(type, map(get, _NUMBERS)))
        and _LIST_OR_NONE.issuperset(map(type, map(get, _TEXT_LISTS + _OBJECT_LISTS)))
        and all(_TEXT.issuperset(map(type, get(name) or ())) for name in _TEXT_LISTS)
        and type(get("significant")) in _FLAG_OR_NONE
    )


def _field_problem(record: Mapping[str, Any]) -> str | None:
    number = record.get("document_number")
    if not isinstance(number, str) or not _DOCUMENT_NUMBER.fullmatch(number):
        return f"document_number is not a document number ({_describe(number)})"
    for name in _TEXT_FIELDS:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            return f"{number}: {name} is not text ({_describe(value)})"
    for name in _TEXT_LISTS:
        value = record.get(name)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            return f"{number}: {name} is not a list of text ({_describe(value)})"
    for name in _NUMBERS:
        value = record.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            return f"{number}: {name} is not a whole number ({_describe(value)})"
    for name in _OBJECT_LISTS:
        value = record.get(name)
        if value is not None and not isinstance(value, list):
            return f"{number}: {name} is not a list ({_describe(value)})"
    significant = record.get("significant")
    if significant is not None and not isinstance(significant, bool):
        return f"{number}: significant is not true or false ({_describe(significant)})"
    return None


def _depth_or_non_finite(values: list[Any]) -> int | None:
    """How deep objects and lists nest under ``values`` (counting no further than one level
    past :data:`MAX_DEPTH`), or ``None`` when NaN or Infinity is anywhere in them.

    One level at a time, without recursion (a hostile record may nest thousands deep), and
    looking at each value once: every record of a 10,000-document backfill goes through here.
    """
    level = values
    depth = 0
    while level and depth <= MAX_DEPTH:
        below: list[Iterable[Any]] = []
        push = below.append
        for value in level:
            kind = type(value)
            if kind in _SCALARS:
                continue
            if kind is dict:
                push(value.values())
            elif kind is list:
                push(value)
            elif kind is float:
                if not isfinite(value):
                    return None
            elif isinstance(value, Mapping):
                push(value.values())
            elif isinstance(value, (list, tuple)):
                push(value)
            elif isinstance(value, float) and not isfinite(value):
                return None
        if not below:
            break
        level = list(chain.from_iterable(below))
        depth += 1
    return depth


def _describe(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "a list" if isinstance(value, list) else "an object"
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"
