"""How well regwatch read a document's entity changes, said in words.

A rule that amends the Entity List or the MEU List carries ``data["extraction"]`` on its document
event: ``status`` (``complete``, ``partial``, ``failed``, or ``pending`` while its full text has
not been fetched), ``read`` and ``announced`` (entries per action: ``added``, ``revised``,
``removed``), ``disagreements``, ``problems`` and the ``parser`` version that read it.  Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["NOT_COMPLETE", "describe_extraction"]

#: the statuses that mean part of the rule was not read
NOT_COMPLETE = ("partial", "failed", "pending")


def _total(counts: Any) -> int:
    if not isinstance(counts, Mapping):
        return 0
    return sum(int(v) for v in counts.values() if isinstance(v, int))


def describe_extraction(extraction: Mapping[str, Any]) -> str | None:
    """A reader's sentence for a stored ``extraction``, or ``None`` when it is complete."""
    status = extraction.get("status")
    if status not in NOT_COMPLETE:
        return None
    read = _total(extraction.get("read"))
    announced = _total(extraction.get("announced"))
    told = f" (it announces {announced})" if announced else ""
    if status == "pending":
        return (
            "regwatch has not read the entries of this rule yet (its full text could not be "
            "fetched; it is tried again on the next polls): read the rule"
        )
    if status == "failed":
        return f"regwatch could not read the entries of this rule{told}: read the rule"
    if announced and read != announced:
        return f"regwatch read {read} of the {announced} entries this rule announces: read the rule"
    unread = len(extraction.get("problems") or extraction.get("disagreements") or []) or 1
    return (
        f"regwatch read {read} entries of this rule but could not read {unread} "
        f"part{'s' if unread != 1 else ''} of it: read the rule"
    )
