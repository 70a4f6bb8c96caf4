"""Ad-hoc screening: one name against the entries currently on the restricted-party lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..store import Store
from ..store.tables import LISTED_ENTITY
from ._analyze import analyze
from ._countries import country_code
from ._engine import tier_of
from ._index import NameIndex
from ._names import REVIEW_THRESHOLD, score_analyzed

__all__ = ["screen"]

_LISTED = LISTED_ENTITY
_COUNTRY_AGREES = 0.05
_COUNTRY_DISAGREES = -0.15


@dataclass(frozen=True, slots=True)
class _Ref:
    row: Any
    name: str


def screen(
    store: Store, name: str, country: str | None = None, *, schema: str = "Company"
) -> list[dict[str, Any]]:
    """Listed entries that ``name`` may denote, best first, each with why.

    :param country: ISO code or name; an entry in that country scores a little higher, one
        elsewhere lower (as in the differ)
    """
    wanted = country_code(country) if country else None
    with store.read() as conn:
        rows = list(conn.execute(select(_LISTED)))
    index: NameIndex[_Ref] = NameIndex()
    group = "Person" if schema == "Person" else "Company"
    for row in rows:
        for listed_name in [row.name, *(row.aliases or [])]:
            index.add(_Ref(row, listed_name), listed_name, group)
    query = analyze(name, schema)
    best: dict[int, dict[str, Any]] = {}
    for entry_id in index.candidates(query):
        entry = index.entries[entry_id]
        explanation = score_analyzed(query, entry.name)
        score = explanation.score
        qualifiers = []
        if wanted and entry.ref.row.country:
            listed = str(entry.ref.row.country).upper()
            delta = _COUNTRY_AGREES if listed == wanted else _COUNTRY_DISAGREES
            score = min(1.0, score + delta)
            qualifiers.append({"name": "country", "delta": delta, "detail": f"{wanted} / {listed}"})
        tier = tier_of(score)
        if score < REVIEW_THRESHOLD or tier is None:
            continue
        row = entry.ref.row
        if row.id in best and best[row.id]["score"] >= score:
            continue
        best[row.id] = {
            "score": round(score, 4),
            "tier": tier,
            "list": row.list_code,
            "name": row.name,
            "matched_name": entry.ref.name,
            "country": row.country,
            "key": row.key,
            "event_id": row.event_id,
            "reason": explanation.summary(),
            "explanation": {**explanation.to_json(), "qualifiers_entity": qualifiers},
        }
    return sorted(best.values(), key=lambda r: (-r["score"], r["name"]))
