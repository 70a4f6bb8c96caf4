"""What a rule says it does, in its own words, and the check of a reading against it.

Pure.  BIS rules state their totals in the SUMMARY and the SUPPLEMENTARY INFORMATION: "adding 10
entities under 13 entries to the Entity List … under the destinations of Canada (2), China (5),
France (1), Luxembourg (1), Netherlands (1), and Russia (3)", "revises two existing entries",
"removes one entity".  Only present-tense verbs count ("adds", "adding", "to add"): the
background paragraphs tell what *earlier* rules added ("BIS added 69 entities"), and those are
not this rule's totals.  The first statement of a total wins, so the SUMMARY's count is taken
over a section's partial counts further down.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .._entity_names import country_from_heading, normalize_name

__all__ = ["Announced", "Extraction", "check_reading", "read_announced"]

Status = Literal["complete", "partial", "failed"]

_UNITS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}  # fmt: skip
_NUMBER = (
    r"(?:\d{1,4}|(?:"
    + "|".join(_TENS)
    + r")(?:[-\s](?:"
    + "|".join(_UNITS[1:10])
    + r"))?|"
    + "|".join(sorted(_UNITS, key=len, reverse=True))
    + r"|an?)"
)
_PARTY = (
    r"(?:entit(?:y|ies)|entr(?:y|ies)|persons?|parties|party|organizations?|companies|"
    r"individuals?)"
)
_STATEMENT = re.compile(
    r"\b(?P<verb>add(?:s|ing)?|revis(?:es|ing|e)|modif(?:ies|ying|y)|amend(?:s|ing)?|"
    r"remov(?:es|ing|e)|delet(?:es|ing|e))\s+"
    r"(?:a\s+total\s+of\s+)?(?:the\s+following\s+)?(?P<n>" + _NUMBER + r")\s+"
    r"(?:new\s+|existing\s+|additional\s+)*(?P<unit>" + _PARTY + r")"
    r"(?:\s+(?:under|in)\s+(?P<m>" + _NUMBER + r")\s+(?:new\s+|existing\s+)*entr(?:y|ies))?",
    re.IGNORECASE,
)
_DESTINATIONS = re.compile(r"under\s+the\s+destinations?\s+of\s+(?P<list>[^.;]+)", re.I)
_DESTINATION = re.compile(r"(?P<place>[A-Za-z][A-Za-z .,'’-]*?)\s*\((?P<n>\d+)\)")
_LIST_MENTION = re.compile(r"\bMEU\b|military\s+end[-\s]users?|(?P<el>\bentity\s+list\b)", re.I)
_SENTENCE = re.compile(r"(?<=[a-z0-9)\]])\.\s+(?=[A-Z])")
_WORD_BREAK = re.compile(r"[-\s]+")
#: what may come before a destination's name in a list of them (``, and the Netherlands``)
_PLACE_LEAD = re.compile(r"^(?:,|and\b|the\b|\s)+", re.I)


def _number(text: str) -> int | None:
    text = text.lower().strip()
    if text.isdigit():
        return int(text)
    if text in ("a", "an"):
        return 1
    if text in _UNITS:
        return _UNITS.index(text)
    parts = _WORD_BREAK.split(text)
    if parts[0] in _TENS:
        return _TENS[parts[0]] + (_UNITS.index(parts[1]) if len(parts) > 1 else 0)
    return None


@dataclass
class Announced:
    """The totals a rule states, per list (``EL``/``MEU``) and action."""

    #: (list, action) → entries (or entities, where only those are stated)
    entries: dict[tuple[str, str], int] = field(default_factory=dict)
    entities: dict[tuple[str, str], int] = field(default_factory=dict)
    #: list → country code → entries added there
    destinations: dict[str, dict[str, int]] = field(default_factory=dict)
    #: the sentences the totals were read from
    sentences: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.entries or self.entities)

    def total(self, action: str) -> int | None:
        """Entries the rule announces for ``action`` over all lists (``None``: not stated)."""
        counts = [
            self.entries.get((code, action), self.entities.get((code, action)))
            for code in ("EL", "MEU")
        ]
        known = [c for c in counts if c is not None]
        return sum(known) if known else None


def _action(verb: str) -> str:
    verb = verb.lower()
    if verb.startswith("add"):
        return "added"
    if verb.startswith(("remov", "delet")):
        return "removed"
    return "revised"


def _list_of(sentence: str, position: int) -> str:
    """The list a statement is about: the first one named after it, else before it."""
    after = _LIST_MENTION.search(sentence, position)
    mentions = [after] if after else list(_LIST_MENTION.finditer(sentence, 0, position))[-1:]
    if mentions and not mentions[0]["el"]:
        return "MEU"
    return "EL"


def read_announced(paragraphs: Iterable[str]) -> Announced:
    """The totals stated in ``paragraphs`` (the SUMMARY first, then the supplementary
    information, without the amendatory text)."""
    out = Announced()
    #: the latest statement: a list of destinations that follows it counts its entries
    last: tuple[str, str] | None = None
    for paragraph in paragraphs:
        for sentence in _SENTENCE.split(paragraph):
            for match in _STATEMENT.finditer(sentence):
                n = _number(match["n"])
                if n is None:
                    continue
                key = (_list_of(sentence, match.end()), _action(match["verb"]))
                unit = match["unit"].lower()
                target = out.entries if unit.startswith("entr") else out.entities
                if key not in target:
                    target[key] = n
                    if sentence.strip() not in out.sentences:
                        out.sentences.append(sentence.strip())
                m = _number(match["m"]) if match["m"] else None
                if m is not None:
                    out.entries.setdefault(key, m)
                last = key
            places = _DESTINATIONS.search(sentence)
            if places and last is not None and last[1] == "added":
                found = out.destinations.setdefault(last[0], {})
                if found:
                    continue
                for item in _DESTINATION.finditer(places["list"]):
                    name = _PLACE_LEAD.sub("", item["place"])
                    code = country_from_heading(name)
                    if code:
                        found[code] = found.get(code, 0) + int(item["n"])
    return out


@dataclass(frozen=True)
class Extraction:
    """How well a rule's entity changes were read: ``complete``, ``partial`` or ``failed``."""

    status: Status
    #: entries read, per action
    read: dict[str, int]
    #: entries the rule announces, per action (only the actions it states)
    announced: dict[str, int]
    #: where the reading and the rule's own totals disagree, in words
    disagreements: tuple[str, ...] = ()
    #: rows, instructions and tables that could not be read
    problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status,
            "read": dict(self.read),
            "announced": dict(self.announced),
        }
        if self.disagreements:
            out["disagreements"] = list(self.disagreements)
        if self.problems:
            out["problems"] = list(self.problems[:20])
        return out


def check_reading(
    announced: Announced,
    read: Sequence[tuple[str, str, str | None, str]],
    *,
    amends: bool,
    unread: int,
    problems: Sequence[str],
) -> Extraction:
    """Compare what was read with what the rule announces.

    :param read: ``(list, action, country, name)`` of every entry read.
    :param amends: whether the rule amends Supplement No. 4 or No. 7 with entry-level changes.
    :param unread: rows, tables or named entries that could not be read.
    """
    counts = Counter(action for _, action, _, _ in read)
    read_totals = {a: counts[a] for a in ("added", "revised", "removed") if counts[a]}
    disagreements: list[str] = []
    announced_totals: dict[str, int] = {}
    for unit, stated_counts in (("entities", announced.entities), ("entries", announced.entries)):
        for (code, action), stated in sorted(stated_counts.items()):
            mine = [n for lc, a, _, n in read if lc == code and a == action]
            got = len(mine) if unit == "entries" else len({normalize_name(n) for n in mine})
            if unit == "entries" or (code, action) not in announced.entries:
                announced_totals[action] = announced_totals.get(action, 0) + stated
            if got != stated:
                disagreements.append(
                    f"{_LISTS[code]}: the rule announces {stated} {_VERBS[action]} {unit}, "
                    f"regwatch read {got}"
                )
    for code, places in sorted(announced.destinations.items()):
        added = Counter(c for lc, a, c, _ in read if lc == code and a == "added")
        for country, stated in sorted(places.items()):
            if added[country] != stated:
                disagreements.append(
                    f"{_LISTS[code]}: the rule announces {stated} added entries under "
                    f"{country}, regwatch read {added[country]}"
                )
    status: Status = "complete"
    if (amends or announced) and not read:
        status = "failed"
    elif disagreements or unread:
        status = "partial"
    return Extraction(status, read_totals, announced_totals, tuple(disagreements), tuple(problems))


_LISTS = {"EL": "Entity List", "MEU": "MEU List"}
_VERBS = {"added": "added", "revised": "revised", "removed": "removed"}
