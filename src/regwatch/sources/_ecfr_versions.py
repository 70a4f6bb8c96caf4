"""Which versions of the codified Entity List to read: the eCFR versioner's ``titles`` and
``versions`` answers turned into dates.  Pure.

- ``titles.json`` gives, per title, ``latest_issue_date``: the newest date the eCFR has
  processed.  There is no ``current`` date in the API, so this is the newest date regwatch asks
  for.
- ``versions/title-15.json?part=744`` lists every version of every section and appendix of
  part 744: ``{identifier, amendment_date, issue_date, substantive, removed, …}``.  A
  supplement changed on each distinct ``amendment_date`` of its rows; rows with
  ``substantive: false`` re-issue a date without changing its text.  An old date can be
  re-issued later (a correction): its row has a newer ``issue_date``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..exceptions import ParseError

__all__ = ["Plan", "latest_issue_date", "plan_reads", "supplement_versions"]


def _date(value: object, where: str, name: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ParseError(f"{where}: {name} is {value!r}, expected a YYYY-MM-DD date") from None


def latest_issue_date(titles: Any, title: int, *, where: str = "titles.json") -> date:
    """The newest date the eCFR has processed for ``title``.

    :raises ParseError: the answer has no such title, or no date for it.
    """
    rows = titles.get("titles") if isinstance(titles, Mapping) else None
    if not isinstance(rows, list):
        raise ParseError(f"{where}: expected {{'titles': [...]}}, got {type(titles).__name__}")
    for row in rows:
        if isinstance(row, Mapping) and str(row.get("number")) == str(title):
            if row.get("reserved"):
                raise ParseError(f"{where}: title {title} is reserved")
            value = row.get("latest_issue_date") or row.get("up_to_date_as_of")
            if not value:
                raise ParseError(f"{where}: title {title} has no latest_issue_date")
            return _date(value, where, f"title {title}'s latest_issue_date")
    raise ParseError(f"{where}: title {title} is not among the {len(rows)} titles")


@dataclass(frozen=True, order=True, slots=True)
class Version:
    """One row of the versions list for one supplement."""

    amendment_date: date
    issue_date: date
    substantive: bool
    removed: bool


def supplement_versions(
    versions: Any, identifier: str, *, where: str = "versions.json"
) -> list[Version]:
    """The rows of ``identifier`` (``Supplement No. 4 to Part 744``), oldest first.

    :raises ParseError: the answer is not a versions list.
    """
    rows = versions.get("content_versions") if isinstance(versions, Mapping) else None
    if not isinstance(rows, list):
        raise ParseError(f"{where}: expected {{'content_versions': [...]}}")
    wanted = " ".join(identifier.lower().split())
    out = []
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        if " ".join(str(row.get("identifier") or "").lower().split()) != wanted:
            continue
        amended = row.get("amendment_date") or row.get("date")
        issued = row.get("issue_date") or amended
        out.append(
            Version(
                _date(amended, where, f"{identifier}'s amendment_date"),
                _date(issued, where, f"{identifier}'s issue_date"),
                row.get("substantive") is not False,
                bool(row.get("removed")),
            )
        )
    return sorted(out)


@dataclass(frozen=True)
class Plan:
    """The dates to read for one supplement in this poll."""

    #: the date read last time, to diff the first new date against; ``None`` for a baseline
    previous: date | None
    #: the new dates, oldest first
    dates: tuple[date, ...]
    #: the newest issue date among the rows seen (the cursor moves to it once all are read)
    seen_issue_date: date | None
    #: new dates left for the next poll (more than ``max_reads``)
    deferred: int = 0
    #: dates already read that the eCFR re-issued with new text (a correction)
    reissued: tuple[date, ...] = ()


def plan_reads(
    versions: Sequence[Version],
    *,
    latest: date,
    read_date: date | None,
    read_issue_date: date | None,
    max_reads: int,
) -> Plan:
    """What to read now.

    :param latest: the newest processed date (:func:`latest_issue_date`); nothing after it is
        asked for.
    :param read_date: the version date read last time (``None``: the first read, a baseline of
        the newest version).
    :param read_issue_date: the newest issue date seen last time; rows issued later are new.
    :param max_reads: at most this many dates per poll, oldest first; the rest wait.
    """
    usable = [v for v in versions if v.amendment_date <= latest and v.issue_date <= latest]
    if not usable:
        return Plan(read_date, (), read_issue_date)
    newest_issue = max(v.issue_date for v in usable)
    if read_date is None:
        return Plan(None, (max(v.amendment_date for v in usable),), newest_issue)
    fresh = [
        v
        for v in usable
        if v.substantive and (read_issue_date is None or v.issue_date > read_issue_date)
    ]
    dates = sorted({v.amendment_date for v in fresh if v.amendment_date > read_date})
    # A date already read, re-issued with new text (a correction).  Reading it again would
    # compare the corrected text with itself (the API serves only the corrected one), so it is
    # reported rather than diffed.
    reissued = tuple(sorted({v.amendment_date for v in fresh if v.amendment_date <= read_date}))
    if len(dates) > max_reads:
        kept = dates[:max_reads]
        # the cursor stops at the last date read, so the rest are planned again next time
        seen = max(v.issue_date for v in usable if v.amendment_date <= kept[-1])
        return Plan(read_date, tuple(kept), seen, len(dates) - max_reads, reissued)
    return Plan(read_date, tuple(dates), newest_issue, 0, reissued)
