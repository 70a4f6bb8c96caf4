"""Compiled watch lists: every company's watch items, matched against one event at a time.

:class:`WatchMatcher` is pure (no database): built once from the active watch items, it turns
a :class:`~regwatch.events.ChangeEvent` into :class:`Found` matches, each with a score, a tier
and an explanation a reader can follow.  The differ (:mod:`._differ`) stores them.

What matches what:

=========  =================================================================  ==============
kind       matches                                                            tier
=========  =================================================================  ==============
entity     the event's entity name and aliases (name scorer, country as a     by score
           qualifier); names found in the title and summary
keyword    the phrase in the title, summary, action or entity names           alert
eccn       an ECCN in the text or ``data.eccns``: equal, or a paragraph of    alert
           the watched one; the watched one's parent entry                    review
cfr        ``data.cfr_references`` or a reference in the text: the watched    alert
           part or a section of it; the part of a watched section             review
country    the event's country or an entity address                           alert
           a country named in the title or summary                            review
topic      any term of the topic (English or Japanese) in the text            review
=========  =================================================================  ==============
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..events import ChangeEvent
from ._analyze import Analyzed, analyze, normalize
from ._countries import country_code, country_name
from ._extract import (
    CfrRef,
    eccn_matches,
    event_cfr_refs,
    event_countries,
    event_eccns,
    event_texts,
    parse_cfr,
)
from ._index import NameIndex, word_keys
from ._keywords import KeywordMatcher, normalize_text
from ._names import (
    ALERT_THRESHOLD,
    MATCHER_VERSION,
    REVIEW_THRESHOLD,
    NameExplanation,
    score_analyzed,
)
from ._topics import TOPICS

__all__ = [
    "KINDS",
    "Found",
    "WatchItemSpec",
    "WatchMatcher",
    "country_of",
    "material_signature",
    "tier_of",
]

#: the kinds of watch item, as stored in ``watch_item.kind``
KINDS = ("entity", "keyword", "eccn", "cfr", "country", "topic")

#: the scores of exact structural matches that only deserve a look (a parent ECCN, a country
#: named in passing, a topic term)
_REVIEW_SCORE = 0.75
_COUNTRY_AGREES = 0.05
_COUNTRY_DISAGREES = -0.15
_IDENTIFIER_SCORE = 0.98
_WORD = re.compile(r"[^\W_]+")


def tier_of(score: float) -> str | None:
    """``alert``, ``review`` or ``None`` (not worth recording) for a score."""
    if score >= ALERT_THRESHOLD:
        return "alert"
    if score >= REVIEW_THRESHOLD:
        return "review"
    return None


@dataclass(frozen=True, slots=True)
class WatchItemSpec:
    """One watch item as the matcher needs it (a row of ``watch_item``)."""

    id: int
    company_id: int
    kind: str
    value: str
    spec: Mapping[str, Any] = field(default_factory=dict)

    @property
    def schema(self) -> str:
        return str(self.spec.get("schema") or "Company")

    @property
    def names(self) -> list[str]:
        return [self.value, *[a for a in self.spec.get("aliases") or [] if isinstance(a, str)]]


@dataclass(frozen=True, slots=True)
class Found:
    """A match, before it is stored."""

    watch_item_id: int
    company_id: int
    score: float
    tier: str
    field: str
    explanation: dict[str, Any]
    #: what a revision must keep for a dismissal to stand (see :func:`material_signature`)
    material: str


def material_signature(event: ChangeEvent, field_name: str, matched: str) -> str:
    """A digest of what made the match: the event's kind, list and country, the field and
    the matched text.  A revision that keeps these (a new address, a corrected date) is not
    a material change; one that changes them is."""
    raw = json.dumps(
        [str(event.kind), event.list_code, event.country, field_name, normalize(matched)],
        ensure_ascii=False,
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


@dataclass(slots=True)
class _Alias:
    item: WatchItemSpec
    name: str


class WatchMatcher:
    """Every active watch item of every company, compiled for matching events."""

    def __init__(self, items: Iterable[WatchItemSpec]) -> None:
        self.items = list(items)
        self.by_id = {item.id: item for item in self.items}
        self._names: dict[str, NameIndex[_Alias]] = {}
        self._cjk_names: list[tuple[str, _Alias]] = []
        phrases: list[tuple[str, tuple[str, int, str]]] = []
        self._eccns: list[tuple[str, WatchItemSpec]] = []
        self._cfr: list[tuple[CfrRef, WatchItemSpec]] = []
        self._countries: dict[str, list[WatchItemSpec]] = {}
        self._identifiers: dict[str, list[WatchItemSpec]] = {}
        for item in self.items:
            if item.kind == "entity":
                for name in item.names:
                    self._add_name(item, name)
                for identifier in _identifiers(item.spec):
                    self._identifiers.setdefault(identifier, []).append(item)
            elif item.kind == "keyword":
                phrases.append((item.value, ("keyword", item.id, item.value)))
            elif item.kind == "topic":
                topic = TOPICS.get(item.value)
                if topic:
                    phrases += [(term, ("topic", item.id, term)) for term in topic.terms]
            elif item.kind == "eccn":
                self._eccns.append((item.value, item))
            elif item.kind == "cfr":
                self._cfr.append((parse_cfr(item.value), item))
            elif item.kind == "country":
                self._countries.setdefault(item.value.upper(), []).append(item)
        self._phrases = KeywordMatcher(phrases)
        self._cjk = KeywordMatcher(self._cjk_names)

    def _add_name(self, item: WatchItemSpec, name: str) -> None:
        analyzed = analyze(name, item.schema)
        if not analyzed.tokens:
            return
        group = "Person" if item.schema == "Person" else "Company"
        self._names.setdefault(group, NameIndex()).add(_Alias(item, name), analyzed)
        cores = [t.text for t in analyzed.core if t.cjk]
        if cores and analyzed.script in ("cjk", "hangul"):
            # Names in Japanese or Chinese text have no spaces around them: found as substrings.
            self._cjk_names.append(("".join(cores), _Alias(item, name)))

    @property
    def name_count(self) -> int:
        return sum(len(index) for index in self._names.values())

    # -- matching -----------------------------------------------------------------------------

    def match(self, event: ChangeEvent) -> list[Found]:
        """Every watch item ``event`` touches (at most one match per item: the best)."""
        best: dict[int, Found] = {}
        for found in self._all(event):
            current = best.get(found.watch_item_id)
            if current is None or found.score > current.score:
                best[found.watch_item_id] = found
        return sorted(best.values(), key=lambda f: (-f.score, f.watch_item_id))

    def _all(self, event: ChangeEvent) -> Iterable[Found]:
        yield from self._entity_matches(event)
        yield from self._text_name_matches(event)
        yield from self._phrase_matches(event)
        yield from self._eccn_matches(event)
        yield from self._cfr_matches(event)
        yield from self._country_matches(event)

    def _found(
        self,
        event: ChangeEvent,
        item: WatchItemSpec,
        score: float,
        field_name: str,
        matched: str,
        explanation: dict[str, Any],
    ) -> Found | None:
        tier = tier_of(score)
        if tier is None:
            return None
        explanation = {
            # the one line a digest shows for the match (``reason`` says the same)
            "summary": explanation["reason"],
            "kind": item.kind,
            "item": item.value,
            "field": field_name,
            "matched": matched,
            **explanation,
            "score": round(score, 4),
            "tier": tier,
            "matcher_version": MATCHER_VERSION,
        }
        return Found(
            item.id,
            item.company_id,
            round(score, 4),
            tier,
            field_name,
            explanation,
            material_signature(event, field_name, matched),
        )

    # entities -------------------------------------------------------------------------------

    def _entity_matches(self, event: ChangeEvent) -> Iterable[Found]:
        entity = event.entity
        if entity is None or not self._names:
            return
        names = [("entity.name", entity.name)] + [("entity.aliases", a) for a in entity.aliases]
        countries = {m.value for m in event_countries(event) if m.field != "title"}
        identifiers = _identifiers(entity.details)
        best: dict[int, tuple[float, str, str, _Alias, NameExplanation]] = {}
        for group, index in self._names.items():
            for field_name, name in names:
                query = analyze(name, group)
                # The country can add _COUNTRY_AGREES to a name score, no more.
                floor = REVIEW_THRESHOLD - _COUNTRY_AGREES
                for alias, explanation in index.search(query, threshold=floor):
                    item_id = alias.item.id
                    if item_id not in best or explanation.score > best[item_id][0]:
                        best[item_id] = (explanation.score, field_name, name, alias, explanation)
        # An identifier shared with the listed entry settles it, whatever the names say.
        for identifier in identifiers:
            for item in self._identifiers.get(identifier, ()):
                if item.id not in best:
                    none = NameExplanation(item.value, entity.name, item.schema, 0.0, (), (), ())
                    alias = _Alias(item, item.value)
                    best[item.id] = (0.0, "entity.name", entity.name, alias, none)
        for score, field_name, name, alias, explanation in best.values():
            item = alias.item
            qualifiers: list[dict[str, Any]] = []
            shared = _identifiers(item.spec) & identifiers
            if shared:
                qualifiers.append({"name": "identifier", "detail": ", ".join(sorted(shared))})
                score = max(score, _IDENTIFIER_SCORE)
            wanted = item.spec.get("country")
            if wanted and countries and not shared:
                code = str(wanted).upper()
                if code in countries:
                    score = min(1.0, score + _COUNTRY_AGREES)
                    detail = f"{code} = {code}"
                    qualifiers.append(
                        {"name": "country", "delta": _COUNTRY_AGREES, "detail": detail}
                    )
                else:
                    score += _COUNTRY_DISAGREES
                    detail = f"{code} ≠ {', '.join(sorted(countries))}"
                    qualifiers.append(
                        {"name": "country", "delta": _COUNTRY_DISAGREES, "detail": detail}
                    )
            found = self._found(
                event,
                item,
                score,
                field_name,
                name,
                {
                    "alias": alias.name,
                    "name_score": explanation.score,
                    "name": explanation.to_json(),
                    "qualifiers": qualifiers,
                    "reason": _entity_reason(alias.name, name, explanation, qualifiers),
                },
            )
            if found:
                yield found

    def _text_name_matches(self, event: ChangeEvent) -> Iterable[Found]:
        """Watched names inside the title and summary of documents and releases."""
        if event.entity is not None or not (self._names or self._cjk_names):
            return
        best: dict[int, Found] = {}
        for field_name, text in event_texts(event):
            if field_name == "data.action":
                continue
            for found in self._names_in_text(event, field_name, text):
                current = best.get(found.watch_item_id)
                if current is None or found.score > current.score:
                    best[found.watch_item_id] = found
        yield from best.values()

    def _names_in_text(self, event: ChangeEvent, field_name: str, text: str) -> Iterable[Found]:
        words = _WORD.findall(normalize(text))
        for index in self._names.values():
            candidates: dict[int, set[int]] = {}
            for position, word in enumerate(words):
                following = words[position + 1] if position + 1 < len(words) else ""
                for entry_id in index.lookup(word_keys(word, following)):
                    candidates.setdefault(entry_id, set()).add(position)
            for entry_id, positions in candidates.items():
                entry = index.entries[entry_id]
                found = self._best_window(
                    event, field_name, entry.ref, entry.name, words, positions
                )
                if found:
                    yield found
        for hit in self._cjk.find(text):
            alias = hit.payload
            score = 0.9 if len(hit.phrase) >= 3 else _REVIEW_SCORE
            found = self._found(
                event,
                alias.item,
                score,
                field_name,
                hit.phrase,
                {
                    "alias": alias.name,
                    "context": hit.context,
                    "reason": f"{alias.name} appears in the {_label(field_name)}: …{hit.context}…",
                },
            )
            if found:
                yield found

    def _best_window(
        self,
        event: ChangeEvent,
        field_name: str,
        alias: _Alias,
        name: Analyzed,
        words: Sequence[str],
        positions: set[int],
    ) -> Found | None:
        size = len(name.tokens)
        best: tuple[float, str, NameExplanation] | None = None
        for position in positions:
            for start in range(max(0, position - size), position + 1):
                for length in range(max(1, size - 1), size + 3):
                    window = " ".join(words[start : start + length])
                    if not window:
                        continue
                    explanation = score_analyzed(name, analyze(window, name.schema))
                    if best is None or explanation.score > best[0]:
                        best = (explanation.score, window, explanation)
        if best is None:
            return None
        score, window, explanation = best
        return self._found(
            event,
            alias.item,
            score,
            field_name,
            window,
            {
                "alias": alias.name,
                "name_score": score,
                "name": explanation.to_json(),
                "qualifiers": [],
                "reason": f"{alias.name} ≈ “{window}” in the {_label(field_name)} "
                f"({explanation.summary()})",
            },
        )

    # keywords and topics --------------------------------------------------------------------

    def _phrase_matches(self, event: ChangeEvent) -> Iterable[Found]:
        texts = list(event_texts(event))
        if event.entity:
            texts += [("entity.name", event.entity.name)]
            texts += [("entity.aliases", a) for a in event.entity.aliases]
        seen: set[int] = set()
        for field_name, text in texts:
            for hit in self._phrases.find(text):
                kind, item_id, phrase = hit.payload
                if item_id in seen:
                    continue
                seen.add(item_id)
                item = self.by_id[item_id]
                if kind == "keyword":
                    score = 1.0
                    reason = f"“{item.value}” appears in the {_label(field_name)}: …{hit.context}…"
                    extra: dict[str, Any] = {"context": hit.context}
                else:
                    score = _REVIEW_SCORE
                    topic = TOPICS[item.value]
                    reason = (
                        f"the {_label(field_name)} mentions “{phrase}”, a term of the topic "
                        f"{topic.title}: …{hit.context}…"
                    )
                    extra = {"context": hit.context, "term": phrase, "topic": topic.title}
                found = self._found(
                    event, item, score, field_name, hit.phrase, {**extra, "reason": reason}
                )
                if found:
                    yield found

    # ECCNs, CFR references, countries -------------------------------------------------------

    def _eccn_matches(self, event: ChangeEvent) -> Iterable[Found]:
        if not self._eccns:
            return
        for mention in event_eccns(event):
            for pattern, item in self._eccns:
                how = eccn_matches(pattern, mention.value)
                if how is None:
                    continue
                score = _REVIEW_SCORE if how == "parent" else 1.0
                where = _label(mention.field)
                reason = {
                    "exact": f"ECCN {mention.value} is in the {where}",
                    "paragraph": f"ECCN {mention.value} (in the {where}) is within the "
                    f"watched {pattern}",
                    "parent": f"the {where} names ECCN {mention.value}, the entry that "
                    f"contains the watched {pattern}",
                }[how]
                found = self._found(
                    event, item, score, mention.field, mention.value, {"how": how, "reason": reason}
                )
                if found:
                    yield found

    def _cfr_matches(self, event: ChangeEvent) -> Iterable[Found]:
        if not self._cfr:
            return
        for ref, field_name in event_cfr_refs(event):
            for watched, item in self._cfr:
                if not watched.covers(ref):
                    continue
                # A part named where a section is watched: the section may not be touched.
                vague = watched.section is not None and ref.section is None
                score = _REVIEW_SCORE if vague else 1.0
                reason = f"{ref} is in the {_label(field_name)} (watched: {watched})"
                found = self._found(event, item, score, field_name, str(ref), {"reason": reason})
                if found:
                    yield found

    def _country_matches(self, event: ChangeEvent) -> Iterable[Found]:
        if not self._countries:
            return
        for mention in event_countries(event):
            for item in self._countries.get(mention.value, ()):
                in_text = mention.field not in ("country", "entity.addresses")
                score = _REVIEW_SCORE if in_text else 1.0
                name = country_name(mention.value)
                where = (
                    f"named in the {_label(mention.field)}"
                    if in_text
                    else f"the event's {_label(mention.field)}"
                )
                found = self._found(
                    event,
                    item,
                    score,
                    mention.field,
                    mention.value,
                    {"reason": f"{name} ({mention.value}) is {where}", "context": mention.context},
                )
                if found:
                    yield found


_LABELS = {
    "data.action": "action",
    "data.cfr_references": "document's CFR references",
    "data.amendatory_instructions": "amendatory instructions",
    "data.eccns": "listed ECCNs",
    "entity.name": "listed name",
    "entity.aliases": "listed aliases",
    "entity.addresses": "listed address",
}


def _label(field_name: str) -> str:
    """A field as a reader says it ("the document's CFR references", not data.cfr_…)."""
    return _LABELS.get(field_name, field_name)


def _entity_reason(
    alias: str, name: str, explanation: NameExplanation, qualifiers: Sequence[Mapping[str, Any]]
) -> str:
    parts = [f"{alias} ≈ {name} (name {explanation.score:.0%}: {explanation.summary()})"]
    for q in qualifiers:
        parts.append(f"{q['name']}: {q['detail']}")
    return "; ".join(parts)


def _identifiers(data: Mapping[str, Any]) -> set[str]:
    """Identifier numbers in a watch item's spec or a listed entry's details, normalized."""
    raw = data.get("identifiers") if "identifiers" in data else data.get("ids")
    values: list[str] = []
    if isinstance(raw, str):
        values = [raw]
    elif isinstance(raw, Mapping):
        values = [str(v) for v in raw.values()]
    elif isinstance(raw, list):
        for value in raw:
            if isinstance(value, Mapping):
                values.append(str(value.get("number") or value.get("value") or ""))
            else:
                values.append(str(value))
    out = set()
    for value in values:
        norm = "".join(c for c in normalize_text(value.split(":")[-1]) if c.isalnum()).upper()
        if len(norm) >= 6:
            out.add(norm)
    return out


def country_of(value: str) -> str | None:
    """A watch list's country (code or name) as an ISO alpha-2 code."""
    return country_code(value)
