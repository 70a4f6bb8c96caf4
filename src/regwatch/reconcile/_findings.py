"""Where each listing stands in the rule, the eCFR and the CSL, and what disagrees.  Pure.

Kinds of finding, per listing and view:

- **lagging**: the rule says listed (added or revised) and the view does not show the party once
  its deadline passed (the CSL: ``csl_after`` after the effective date; the eCFR:
  ``ecfr_business_days`` business days after it);
- **stale removal**: the rule removed the party and the view still lists it past the deadline;
- **unannounced**: the view added or removed the party after regwatch's first read of it, and no
  rule regwatch read explains it: a rule regwatch missed or misread (a possible extraction
  fault), or an error of the view;
- **disagreement**: two views that list the party state different license review policies.

Each finding becomes an event of its own kind (``listing.lagging``, …) with a stable key, once
when it is first found; when it no longer holds, a ``listing.resolved`` event with the same key
closes it (:func:`finding_events`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..alerts import CONFIRMS
from ..events import ChangeEvent, EventKind
from ._join import VIEW_NAMES, Listing, Sighting
from ._settings import ReconcileSettings

__all__ = [
    "FINDING_KINDS",
    "Finding",
    "Views",
    "deadline",
    "finding_events",
    "reconcile_listings",
    "status_line",
]

#: the Federal Register's day starts in Washington
_EASTERN = ZoneInfo("America/New_York")
FINDING_KINDS = {
    "lagging": EventKind.LISTING_LAGGING,
    "unannounced": EventKind.LISTING_UNANNOUNCED,
    "stale_removal": EventKind.LISTING_STALE_REMOVAL,
    "disagreement": EventKind.LISTING_DISAGREEMENT,
}
_SOURCE = "reconcile"
#: words only: footnote marks (a trailing 1 after "denial.") and punctuation do not count
_WORDS = re.compile(r"[^a-z]+")


@dataclass(frozen=True)
class Views:
    """What regwatch knows of the eCFR and CSL views: when each was last read, and the lists
    each has a baseline of (a view says nothing about a list it does not carry)."""

    as_of: Mapping[str, datetime | None]
    lists: Mapping[str, frozenset[str]]
    #: the Federal Register documents regwatch read: ``(volume, first page, last page, number)``
    documents: tuple[tuple[int, int, int, str], ...] = ()

    def document_at(self, citation: str) -> str | None:
        """The number of the document regwatch read that holds ``citation`` (``91 FR 52222``)."""
        found = re.match(r"(\d+) FR (\d+)$", citation)
        if not found:
            return None
        volume, page = int(found[1]), int(found[2])
        for vol, first, last, number in self.documents:
            if vol == volume and first <= page <= last:
                return number
        return None

    def covers(self, view: str, list_code: str) -> bool:
        return self.as_of.get(view) is not None and list_code in self.lists.get(view, ())


@dataclass(frozen=True)
class Finding:
    kind: str
    #: the view at fault (``ecfr``, ``csl``), or ``ecfr/csl`` for a disagreement
    view: str
    listing: Listing
    #: when the condition began: the deadline passed, or the view's change
    since: datetime
    #: one line: where the listing stands in every view
    status: str
    detail: str
    rule: Sighting | None = None
    #: for an unannounced change: the document regwatch read at the page the view cites
    rule_document: str | None = None

    @property
    def key(self) -> str:
        return f"reconcile:{self.kind}:{self.view}:{self.listing.key}"


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), _EASTERN).astimezone(UTC)


def _add_business_days(day: date, count: int) -> date:
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def deadline(rule: Sighting, view: str, settings: ReconcileSettings) -> datetime:
    """When ``view`` should show what ``rule`` says: the effective date (else the publication
    date), at midnight Eastern time, plus the view's allowance."""
    day = rule.effective_on or (rule.since.date() if rule.since else date.min)
    if view == "csl":
        return _day_start(day) + settings.csl_delay
    return _day_start(_add_business_days(day, settings.ecfr_business_days))


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "?"
    moment = moment.astimezone(UTC)
    if moment.time() == time(0):
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def status_line(listing: Listing, views: Views) -> str:
    """``announced by 2026-12345 (effective 2026-11-16); in the eCFR since 2026-11-17; not yet
    in the CSL (as of 2026-11-17 11:00 UTC)``."""
    parts: list[str] = []
    rule = listing.latest("rule")
    if rule is not None:
        verb = "announced by" if rule.listed else "removed by"
        effective = f" (effective {rule.effective_on.isoformat()})" if rule.effective_on else ""
        parts.append(f"{verb} {rule.document_number or 'a rule'}{effective}")
    for view in ("ecfr", "csl"):
        if not views.covers(view, listing.list_code):
            continue
        name = VIEW_NAMES[view].removeprefix("the ")
        shown = listing.latest(view)
        as_of = _when(views.as_of.get(view))
        if shown is not None and shown.listed:
            word = "still in" if rule is not None and not rule.listed else "in"
            parts.append(f"{word} the {name} since {_when(shown.since)}")
        elif rule is not None and rule.listed:
            parts.append(f"not yet in the {name} (as of {as_of})")
        elif shown is not None:
            parts.append(f"removed from the {name} on {_when(shown.since)}")
        else:
            parts.append(f"not in the {name} (as of {as_of})")
    return "; ".join(parts)


def _policy(value: str | None) -> str:
    return " ".join(_WORDS.split((value or "").lower())).strip()


def reconcile_listings(
    listings: Iterable[Listing], views: Views, now: datetime, settings: ReconcileSettings
) -> list[Finding]:
    """Every finding that holds at ``now``, oldest first."""
    found: list[Finding] = []
    for listing in listings:
        if listing.list_code not in settings.lists:
            continue
        rule = listing.latest("rule")
        status = ""
        for view in ("ecfr", "csl"):
            if not views.covers(view, listing.list_code):
                continue
            shown = listing.latest(view)
            present = shown is not None and shown.listed
            name = VIEW_NAMES[view]
            if rule is not None:
                due = deadline(rule, view, settings)
                if now < due:
                    continue
                number = rule.document_number or "a rule"
                if rule.listed and not present:
                    status = status or status_line(listing, views)
                    found.append(
                        Finding(
                            "lagging",
                            view,
                            listing,
                            due,
                            status,
                            f"{number} lists it; {name} does not show it {_age(now - due)} "
                            "past its deadline",
                            rule,
                        )
                    )
                elif not rule.listed and present:
                    status = status or status_line(listing, views)
                    found.append(
                        Finding(
                            "stale_removal",
                            view,
                            listing,
                            due,
                            status,
                            f"{number} removes it; {name} still lists it "
                            f"{_age(now - due)} past its deadline",
                            rule,
                        )
                    )
            elif shown is not None and shown.announced:
                status = status or status_line(listing, views)
                change = "added" if shown.listed else "removed"
                cited = ", ".join(shown.citations[-2:]) or "no citation"
                read = next(
                    (d for c in reversed(shown.citations) if (d := views.document_at(c))), None
                )
                cause = (
                    f"regwatch read {read}, the rule at that page, but extracted no such entry "
                    "from it: a possible extraction fault of regwatch"
                    if read
                    else "no rule regwatch read announces it: a rule regwatch missed or "
                    f"misread (a possible extraction fault), or an error of {name}"
                )
                found.append(
                    Finding(
                        "unannounced",
                        view,
                        listing,
                        shown.since or now,
                        status,
                        f"{name} {change} it on {_when(shown.since)} (citing {cited}); {cause}",
                        rule_document=read,
                    )
                )
        found += _disagreements(listing, views, status)
    return sorted(found, key=lambda f: (f.since, f.key))


def _age(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


def _disagreements(listing: Listing, views: Views, status: str) -> list[Finding]:
    policies: list[tuple[str, Sighting]] = []
    rule = listing.latest("rule")
    if rule is not None and rule.listed and rule.license_review_policy:
        policies.append(("rule", rule))
    for view in ("ecfr", "csl"):
        shown = listing.latest(view)
        if (
            views.covers(view, listing.list_code)
            and shown is not None
            and shown.listed
            and shown.license_review_policy
        ):
            policies.append((view, shown))
    out = []
    for index, (left, a) in enumerate(policies):
        for right, b in policies[index + 1 :]:
            if _policy(a.license_review_policy) == _policy(b.license_review_policy):
                continue
            if left == "rule" and a.since and b.since and b.since < a.since:
                continue  # the view predates the rule: that is lag, not disagreement
            moments = [s for s in (a.since, b.since) if s is not None]
            since = max(moments) if moments else datetime.min.replace(tzinfo=UTC)
            out.append(
                Finding(
                    "disagreement",
                    f"{left}/{right}",
                    listing,
                    since,
                    status or status_line(listing, views),
                    f"license review policy: {VIEW_NAMES[left]} says "
                    f"{a.license_review_policy!r}, {VIEW_NAMES[right]} says "
                    f"{b.license_review_policy!r}",
                    rule,
                )
            )
    return out


def finding_events(
    findings: Iterable[Finding],
    open_findings: Mapping[str, str],
    views: Views,
    listings_by_key: Mapping[str, Listing],
) -> list[ChangeEvent]:
    """Events for findings not open yet, and ``listing.resolved`` for open ones that no longer
    hold.  ``open_findings`` maps each open finding's event key to its kind."""
    current = {f.key: f for f in findings}
    out: list[ChangeEvent] = []
    for key, finding in current.items():
        kind = FINDING_KINDS[finding.kind]
        if open_findings.get(key) == str(kind):
            continue  # reported already; reported again only once resolved
        out.append(_event(finding, kind))
    for key, open_kind in open_findings.items():
        if key in current:
            continue
        listing = listings_by_key.get(key.split(":", 3)[3])
        out.append(_resolution(key, open_kind, listing, views))
    return out


_TITLES = {
    "lagging": "not yet in {view}",
    "stale_removal": "removed by rule, still in {view}",
    "unannounced": "a change in {view} that no rule announced",
    "disagreement": "the views disagree",
}


def _event(finding: Finding, kind: EventKind) -> ChangeEvent:
    listing = finding.listing
    view = VIEW_NAMES.get(finding.view, finding.view)
    rule = finding.rule
    return ChangeEvent(
        source=_SOURCE,
        kind=kind,
        key=finding.key,
        title=f"{listing.name}: {_TITLES[finding.kind].format(view=view)}",
        summary=f"{finding.status}. {finding.detail}",
        effective_on=rule.effective_on if rule else None,
        document_number=rule.document_number if rule else None,
        list_code=listing.list_code,
        country=listing.country,
        entity=listing.entity(),
        related_key=rule.event_key if rule else None,
        data={
            "finding": finding.kind,
            "view": finding.view,
            "listing": listing.key,
            "since": finding.since.isoformat(),
            "status": finding.status,
            "detail": finding.detail,
            "reasons": list(listing.reasons),
            "rule_document": finding.rule_document,
            "citations": sorted(
                {c for seen in listing.views.values() for s in seen for c in s.citations}
            ),
        },
    )


def _resolution(key: str, kind: str, listing: Listing | None, views: Views) -> ChangeEvent:
    finding = key.split(":", 3)[1]
    name = listing.name if listing is not None else key.split(":", 3)[3]
    status = status_line(listing, views) if listing is not None else "no view lists it"
    return ChangeEvent(
        source=_SOURCE,
        kind=EventKind.LISTING_RESOLVED,
        key=key,
        title=f"{name}: the views agree again ({finding.replace('_', ' ')} resolved)",
        summary=status,
        list_code=listing.list_code if listing else None,
        country=listing.country if listing else None,
        entity=listing.entity() if listing else None,
        # the finding's report was the alert; its resolution is the record, not a second alert
        # for the same watch items (regwatch.alerts)
        data={"finding": finding, "resolves": kind, "status": status, CONFIRMS: key},
    )
