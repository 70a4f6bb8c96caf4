"""Whether one Federal Register API record has the shape regwatch reads (pure).

One hostile or broken record must not fail a whole page on every poll: a record that is not
what the API documents (an abstract that is an object, a list of numbers where strings belong,
a document number that is not a string, NaN or Infinity anywhere) is skipped and reported as a
warning, and the rest of the page is stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["record_problem"]

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


def _non_finite(value: Any) -> bool:
    """NaN or Infinity anywhere in ``value`` (which came from ``json.loads``), or nesting far
    deeper than any API record.  The C encoder checks it at a fraction of a Python walk's cost,
    which matters: every record of a 10,000-document backfill is checked."""
    try:
        json.dumps(value, allow_nan=False, check_circular=False)
    except ValueError:
        return True
    except RecursionError:
        return True
    return False


def record_problem(record: Any) -> str | None:
    """What is wrong with ``record``, or ``None`` when regwatch can read it."""
    if not isinstance(record, Mapping):
        return f"expected an object, got {type(record).__name__}"
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
    if _non_finite(dict(record)):
        return f"{number}: holds NaN or Infinity, which JSON does not allow"
    return None


def _describe(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "a list" if isinstance(value, list) else "an object"
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"
