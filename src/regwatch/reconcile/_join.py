"""One identity for a listing across its three views.  Pure.

A listing is "this party under this destination on this list".  The Federal Register rule's
entry, the eCFR row and the CSL record each state it in their own words; they are joined when,
in this order:

1. list, country and normalized name are equal;
2. one view's name is an alias in the other (``YMTC`` / ``Yangtze Memory Technologies``);
3. one name is the other's token prefix (BIS folds a city into the name in one place and not
   the other) and they share a Federal Register citation;
4. the names are equal but the countries differ (a Hong Kong address under the CHINA heading of
   the eCFR, ``HK`` in the CSL), when no other listing of that name is nearer.

Every join other than the first records its reason, so that a reader can check it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from .._entity_names import entity_key, name_tokens, normalize_name
from ..events import Entity

__all__ = ["VIEWS", "VIEW_NAMES", "Listing", "Sighting", "join_views"]

#: the three views, in the order their sightings are joined
VIEWS = ("rule", "ecfr", "csl")
VIEW_NAMES = {"rule": "the rule", "ecfr": "the eCFR", "csl": "the CSL"}


@dataclass(frozen=True)
class Sighting:
    """What one view shows of one listing, and since when."""

    view: str
    list_code: str
    country: str | None
    name: str
    aliases: tuple[str, ...] = ()
    citations: tuple[str, ...] = ()
    #: shown as listed (``False``: the view removed it, or the rule removes it)
    listed: bool = True
    #: when the view first showed this state
    since: datetime | None = None
    #: the rule's effective date (``rule`` view only)
    effective_on: date | None = None
    #: the view's state comes from a change it made after regwatch's first read of it (not the
    #: baseline), so some rule should explain it
    announced: bool = False
    #: the event this state comes from
    event_key: str | None = None
    document_number: str | None = None
    license_requirement: str | None = None
    license_review_policy: str | None = None
    entity: Entity | None = None


@dataclass(eq=False)  # a listing is itself: compared by identity, never field by field
class Listing:
    """The sightings of one party under one destination on one list, by view."""

    key: str
    list_code: str
    country: str | None
    name: str
    views: dict[str, list[Sighting]] = field(default_factory=lambda: defaultdict(list))
    #: why sightings with other names or countries were joined here
    reasons: list[str] = field(default_factory=list)
    #: every Federal Register citation its sightings carry
    citations: set[str] = field(default_factory=set)

    def latest(self, view: str) -> Sighting | None:
        """The view's current state: its most recent sighting."""
        seen = self.views.get(view) or []
        if not seen:
            return None
        return max(seen, key=lambda s: (s.effective_on or date.min, s.since or datetime.min))

    def entity(self) -> Entity:
        for view in VIEWS:
            found = self.latest(view)
            if found is not None and found.entity is not None:
                return found.entity
        return Entity(name=self.name)


def _name_key(list_code: str, country: str | None, name: str) -> tuple[str, str, str]:
    return (list_code, country or "-", normalize_name(name))


def join_views(sightings: Iterable[Sighting]) -> list[Listing]:
    """Group ``sightings`` into listings (see the module's rules), rule sightings first."""
    ordered = sorted(sightings, key=lambda s: VIEWS.index(s.view))
    listings: list[Listing] = []
    by_name: dict[tuple[str, str, str], Listing] = {}
    by_alias: dict[tuple[str, str, str], Listing] = {}
    by_prefix: dict[tuple[str, str, tuple[str, ...]], list[Listing]] = defaultdict(list)
    by_bare_name: dict[tuple[str, str], list[Listing]] = defaultdict(list)

    def index(listing: Listing, sighting: Sighting) -> None:
        key = _name_key(sighting.list_code, sighting.country, sighting.name)
        by_name.setdefault(key, listing)
        for alias in sighting.aliases:
            by_alias.setdefault(_name_key(sighting.list_code, sighting.country, alias), listing)
        tokens = name_tokens(sighting.name)
        for length in range(2, len(tokens)):  # every proper prefix of two tokens or more
            found = by_prefix[(sighting.list_code, sighting.country or "-", tokens[:length])]
            if listing not in found:
                found.append(listing)
        bare = (sighting.list_code, key[2])
        if listing not in by_bare_name[bare]:
            by_bare_name[bare].append(listing)

    for sighting in ordered:
        listing, reason = _find(sighting, by_name, by_alias, by_prefix, by_bare_name)
        if listing is None:
            listing = Listing(
                entity_key(sighting.list_code, sighting.country, sighting.name),
                sighting.list_code,
                sighting.country,
                sighting.name,
            )
            listings.append(listing)
        elif reason and reason not in listing.reasons:
            listing.reasons.append(reason)
        listing.views[sighting.view].append(sighting)
        listing.citations.update(sighting.citations)
        index(listing, sighting)
    return listings


def _find(
    sighting: Sighting,
    by_name: Mapping[tuple[str, str, str], Listing],
    by_alias: Mapping[tuple[str, str, str], Listing],
    by_prefix: Mapping[tuple[str, str, tuple[str, ...]], list[Listing]],
    by_bare_name: Mapping[tuple[str, str], list[Listing]],
) -> tuple[Listing | None, str | None]:
    code, country = sighting.list_code, sighting.country
    view = VIEW_NAMES[sighting.view]
    exact = by_name.get(_name_key(code, country, sighting.name))
    if exact is not None:
        return exact, None
    aliased = by_alias.get(_name_key(code, country, sighting.name))
    if aliased is not None:
        return aliased, f"{view} names it {sighting.name!r}, an alias of {aliased.name!r}"
    for alias in sighting.aliases:
        found = by_name.get(_name_key(code, country, alias))
        if found is not None:
            return found, f"{view} names it {sighting.name!r} and gives {alias!r} as an alias"
    tokens = name_tokens(sighting.name)
    if len(tokens) >= 2 and sighting.citations:
        wanted = set(sighting.citations)
        place = (code, country or "-")
        # names that extend this one, then names this one extends (token prefixes of two tokens
        # or more, as :func:`same_party_name` has it), each found by a dict lookup
        candidates = list(by_prefix.get((*place, tokens), []))
        for length in range(len(tokens) - 1, 1, -1):
            shorter = by_name.get((*place, " ".join(tokens[:length])))
            if shorter is not None:
                candidates.append(shorter)
        for candidate in candidates:
            shared = sorted(candidate.citations & wanted)
            if shared:
                return candidate, (
                    f"{view} names it {sighting.name!r}, {candidate.name!r} elsewhere; same "
                    f"list, country and citation {shared[0]}"
                )
    elsewhere = [
        listing
        for listing in by_bare_name.get((code, normalize_name(sighting.name)), [])
        if sighting.view not in listing.views
    ]
    if len(elsewhere) == 1:
        other = elsewhere[0]
        return other, (
            f"{view} lists it under {country or 'no country'}, the other views under "
            f"{other.country or 'no country'}"
        )
    return None, None
