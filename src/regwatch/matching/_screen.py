"""Ad-hoc screening: names against the entries currently on the restricted-party lists.

A screening answer is only worth what was searched: every answer carries the lists it searched,
how many entries each held and as of when, and screening with no list loaded is an error, never
"no match".  The name index over a full list takes seconds to build, so it is kept in a cache
file (the user's cache folder) keyed by the state of the lists; a repeated screen loads it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from .._entity_names import LIST_TITLES
from .._suggest import unknown_value
from ..exceptions import InputError, ScreeningError
from ..store import Store
from ..store.tables import LISTED_ENTITY
from ._analyze import analyze
from ._countries import country_code
from ._engine import tier_of
from ._index import NameIndex
from ._names import MATCHER_VERSION, REVIEW_THRESHOLD, score_analyzed

__all__ = ["ListCoverage", "ScreenReport", "Screener", "loaded_lists", "screen"]

_LISTED = LISTED_ENTITY
_COUNTRY_AGREES = 0.05
_COUNTRY_DISAGREES = -0.15
#: bump when what the cache holds changes shape
_CACHE_FORMAT = 1


@dataclass(frozen=True, slots=True)
class ListCoverage:
    """One list as screening sees it: its code, entries, the source that keeps it, and when
    that source last read it successfully (else when an entry last changed)."""

    code: str
    entries: int
    source: str
    as_of: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "list": self.code,
            "entries": self.entries,
            "source": self.source,
            "as_of": self.as_of.isoformat() if self.as_of else None,
        }


@dataclass(frozen=True, slots=True)
class _Listed:
    """What a screening result needs of a listed entry (picklable, unlike a database row)."""

    id: int
    key: str
    list_code: str
    name: str
    country: str | None
    event_id: int | None


@dataclass(frozen=True, slots=True)
class _Ref:
    entry: _Listed
    name: str


@dataclass
class ScreenReport:
    """The answer for one name: what was searched and the candidates, best first."""

    name: str
    searched: list[ListCoverage]
    results: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "searched": [c.to_json() for c in self.searched],
            "results": self.results,
        }


def loaded_lists(store: Store) -> list[ListCoverage]:
    """Every list with current entries, with its count and as of when."""
    table = _LISTED
    with store.read() as conn:
        rows = conn.execute(
            select(
                table.c.list_code,
                table.c.source,
                func.count(),
                func.max(table.c.updated_at),
            ).group_by(table.c.list_code, table.c.source)
        ).all()
    states = store.source_state_rows()
    merged: dict[str, ListCoverage] = {}
    for code, source, count, updated in rows:
        state = states.get(source)
        as_of = (state.last_success_at if state else None) or updated
        previous = merged.get(code)
        if previous is not None:  # a list kept by two sources (rules and the CSL)
            count += previous.entries
            source = f"{previous.source}, {source}"
            dates = [d for d in (as_of, previous.as_of) if d is not None]
            as_of = max(dates) if dates else None
        merged[code] = ListCoverage(code, count, source, as_of)
    return [merged[code] for code in sorted(merged)]


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "regwatch"


@dataclass
class Screener:
    """Screens names against the listed entries, with the index built once (or loaded from
    the cache) for every name screened with it.

    :param lists: only these list codes (default: every loaded list)
    :raises ScreeningError: no list is loaded (or none of ``lists``)
    :raises QueryError: a code in ``lists`` that is not a list
    """

    store: Store
    lists: Sequence[str] = ()
    group: str = "Company"
    cache_dir: Path | None = None
    searched: list[ListCoverage] = field(init=False)
    _index: NameIndex[_Ref] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        wanted = []
        for value in self.lists:
            code = value.strip().upper()
            if code not in LIST_TITLES:
                raise unknown_value("list", value, LIST_TITLES, option="list")
            wanted.append(code)
        loaded = loaded_lists(self.store)
        if not loaded:
            raise ScreeningError(
                "no restricted-party list is loaded, so nothing can be screened: "
                "poll the Consolidated Screening List (`regwatch poll csl`; enable `csl` in "
                "sources.yaml for the daemon) or import an End User List edition "
                "(`regwatch import meti_eul FILE`)"
            )
        if wanted:
            missing = [code for code in wanted if code not in {c.code for c in loaded}]
            if missing:
                have = ", ".join(c.code for c in loaded)
                raise ScreeningError(
                    f"list {', '.join(missing)} is not loaded (loaded: {have}); add it to "
                    "`csl.lists` in sources.yaml and poll csl"
                )
            loaded = [c for c in loaded if c.code in wanted]
        self.searched = loaded
        self.lists = tuple(wanted)

    # -- the index ----------------------------------------------------------------------------

    def _fingerprint(self) -> str:
        """Changes whenever any listed entry is added, removed or updated."""
        table = _LISTED
        with self.store.read() as conn:
            state = conn.execute(
                select(
                    func.count(),
                    func.max(table.c.id),
                    func.sum(table.c.id),
                    func.max(table.c.updated_at),
                )
            ).one()
        text = "|".join(
            map(str, (_CACHE_FORMAT, MATCHER_VERSION, self.group, self.store.url, *state))
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def _build(self) -> NameIndex[_Ref]:
        with self.store.read() as conn:
            rows = conn.execute(select(_LISTED)).all()
        index: NameIndex[_Ref] = NameIndex()
        for row in rows:
            entry = _Listed(row.id, row.key, row.list_code, row.name, row.country, row.event_id)
            for listed_name in [row.name, *(row.aliases or [])]:
                index.add(_Ref(entry, listed_name), listed_name, self.group)
        return index

    def index(self) -> NameIndex[_Ref]:
        if self._index is None:
            self._index = self._load_or_build()
        return self._index

    def _load_or_build(self) -> NameIndex[_Ref]:
        fingerprint = self._fingerprint()
        folder = self.cache_dir or _cache_dir()
        path = folder / f"screen-{fingerprint[:32]}.pickle"
        # The cache is the user's own file, written by this code; anything unreadable is rebuilt.
        with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError):
            with path.open("rb") as fh:
                stored_fingerprint, index = pickle.load(fh)
            if stored_fingerprint == fingerprint and isinstance(index, NameIndex):
                return index
        index = self._build()
        self._save(folder, path, fingerprint, index)
        return index

    @staticmethod
    def _save(folder: Path, path: Path, fingerprint: str, index: NameIndex[_Ref]) -> None:
        # A read-only home only costs speed: the next screen builds the index again.
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob("screen-*.pickle"):
                old.unlink(missing_ok=True)
            with tempfile.NamedTemporaryFile("wb", dir=folder, delete=False) as fh:
                pickle.dump((fingerprint, index), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(fh.name, path)

    # -- screening ----------------------------------------------------------------------------

    def screen(
        self, name: str, country: str | None = None, *, schema: str = "Company"
    ) -> ScreenReport:
        """Listed entries ``name`` may denote at review level or above, best first, each with
        why.

        :param country: ISO code or name; an entry in that country scores a little higher,
            one elsewhere lower (as in the differ)
        :raises InputError: an empty name, or one with nothing to compare (only punctuation)
        """
        if not name.strip():
            raise InputError("the name to screen is empty")
        query = analyze(name, schema)
        if not query.tokens:
            raise InputError(f"{name!r} has no letters or digits to screen")
        wanted = country_code(country) if country else None
        if country and not wanted:
            from ..store._query_check import country_code_of

            wanted = country_code_of(country)  # raises, naming the closest countries
        index = self.index()
        allowed = {c.code for c in self.searched}
        best: dict[int, dict[str, Any]] = {}
        for entry_id in index.candidates(query):
            indexed = index.entries[entry_id]
            listed = indexed.ref.entry
            if listed.list_code not in allowed:
                continue
            explanation = score_analyzed(query, indexed.name)
            score = explanation.score
            qualifiers = []
            if wanted and listed.country:
                listed_country = str(listed.country).upper()
                delta = _COUNTRY_AGREES if listed_country == wanted else _COUNTRY_DISAGREES
                score = min(1.0, score + delta)
                qualifiers.append(
                    {"name": "country", "delta": delta, "detail": f"{wanted} / {listed_country}"}
                )
            tier = tier_of(score)
            if score < REVIEW_THRESHOLD or tier is None:
                continue
            if listed.id in best and best[listed.id]["score"] >= score:
                continue
            best[listed.id] = {
                "score": round(score, 4),
                "tier": tier,
                "list": listed.list_code,
                "name": listed.name,
                "matched_name": indexed.ref.name,
                "country": listed.country,
                "key": listed.key,
                "event_id": listed.event_id,
                "reason": explanation.summary(),
                "explanation": {**explanation.to_json(), "qualifiers_entity": qualifiers},
            }
        results = sorted(best.values(), key=lambda r: (-r["score"], r["name"]))
        return ScreenReport(name, self.searched, results)

    def screen_all(
        self, names: Iterable[tuple[str, str | None]], *, schema: str = "Company"
    ) -> list[ScreenReport]:
        """Screen every ``(name, country)``; the index is built (or loaded) once."""
        return [self.screen(name, country, schema=schema) for name, country in names]


def screen(
    store: Store,
    name: str,
    country: str | None = None,
    *,
    schema: str = "Company",
    lists: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Listed entries that ``name`` may denote, best first, each with why (see
    :class:`Screener`, which also says what was searched)."""
    group = "Person" if schema == "Person" else "Company"
    return Screener(store, lists, group).screen(name, country, schema=schema).results
