"""Ad-hoc screening: names against the entries currently on the restricted-party lists.

A screening answer is only worth what was searched: every answer carries the lists it searched,
how many entries each held and as of when, and screening with no list loaded is an error, never
"no match".  The name index over a full list takes seconds to build, so it is kept in a SQLite
file in the user's cache folder, keyed by the state of the lists: a repeated screen looks up
only the keys of the name it screens.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
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
from ._analyze import Analyzed, analyze
from ._countries import country_code
from ._engine import tier_of
from ._index import choose_candidates, is_alone, name_keys
from ._names import MATCHER_VERSION, REVIEW_THRESHOLD, score_analyzed

__all__ = ["ListCoverage", "ScreenReport", "Screener", "loaded_lists", "screen"]

_LISTED = LISTED_ENTITY
_COUNTRY_AGREES = 0.05
_COUNTRY_DISAGREES = -0.15
#: bump when what the cache holds changes shape
_CACHE_FORMAT = 2


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


class _CachedIndex:
    """The name index of the listed entries, kept in a SQLite file: the postings (key ->
    names) are looked up for each query, and only the candidates' names are analyzed, so that
    opening it costs nothing whatever the size of the lists."""

    def __init__(self, db: sqlite3.Connection, group: str) -> None:
        self.db = db
        self.group = group
        self.total = int(db.execute("SELECT count(*) FROM name").fetchone()[0])

    @classmethod
    def open(
        cls,
        folder: Path,
        fingerprint: str,
        names: Callable[[], Iterable[tuple[_Listed, str]]],
        group: str,
    ) -> _CachedIndex:
        database, _, state = fingerprint.partition("-")
        path = folder / f"screen-{database}-{state[:32]}.sqlite"
        # The cache is the user's own file; anything unreadable is built again.
        with contextlib.suppress(sqlite3.Error):
            if path.exists():
                db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
                if db.execute("SELECT value FROM meta").fetchone() == (fingerprint,):
                    return cls(db, group)
                db.close()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob(f"screen-{database}-*.sqlite"):  # this database's old ones
                old.unlink(missing_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
            os.close(fd)
            target = Path(tmp)
        except OSError:  # a read-only home only costs speed: an index in memory
            target = None
        db = sqlite3.connect(str(target) if target else ":memory:", check_same_thread=False)
        cls._build(db, fingerprint, names(), group)
        if target is None:
            return cls(db, group)
        db.close()
        os.replace(target, path)
        return cls(sqlite3.connect(str(path), check_same_thread=False), group)

    @staticmethod
    def _build(
        db: sqlite3.Connection, fingerprint: str, names: Iterable[tuple[_Listed, str]], group: str
    ) -> None:
        db.executescript(
            "CREATE TABLE meta (value TEXT);"
            "CREATE TABLE name (id INTEGER PRIMARY KEY, listed_id INTEGER, key TEXT, "
            " list_code TEXT, listed_name TEXT, country TEXT, event_id INTEGER, name TEXT);"
            "CREATE TABLE posting (k TEXT, name_id INTEGER);"
        )
        rows: list[tuple[Any, ...]] = []
        postings: list[tuple[str, int]] = []
        for entry, listed_name in names:
            analyzed = analyze(listed_name, group)
            if not analyzed.tokens:
                continue
            number = len(rows)
            rows.append((number, entry.id, entry.key, entry.list_code, entry.name,
                         entry.country, entry.event_id, listed_name))  # fmt: skip
            postings += [(k, number) for k in name_keys(analyzed)]
        db.executemany("INSERT INTO name VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.executemany("INSERT INTO posting VALUES (?, ?)", postings)
        db.execute("CREATE INDEX posting_k ON posting (k)")
        db.execute("INSERT INTO meta VALUES (?)", (fingerprint,))
        db.commit()

    def candidates(self, query: Analyzed) -> Iterator[tuple[_Listed, str, Analyzed]]:
        keys = sorted(name_keys(query, query=True))
        postings: dict[str, list[int]] = {}
        for start in range(0, len(keys), 500):  # SQLite's limit on bound parameters
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for k, number in self.db.execute(
                f"SELECT k, name_id FROM posting WHERE k IN ({marks})", chunk
            ):
                postings.setdefault(k, []).append(number)
        chosen = sorted(choose_candidates(postings, self.total, alone=is_alone(query)))
        for start in range(0, len(chosen), 500):
            numbers = chosen[start : start + 500]
            marks = ",".join("?" * len(numbers))
            for row in self.db.execute(
                "SELECT listed_id, key, list_code, listed_name, country, event_id, name "
                f"FROM name WHERE id IN ({marks})",
                numbers,
            ):
                listed = _Listed(row[0], row[1], row[2], row[3], row[4], row[5])
                yield listed, row[6], analyze(row[6], self.group)

    def __len__(self) -> int:
        return self.total


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
    _index: _CachedIndex | None = field(init=False, default=None)

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
        text = "|".join(map(str, (_CACHE_FORMAT, MATCHER_VERSION, self.group, *state)))
        # "<database>-<state>": each database (and name group) keeps its own cache file
        database = hashlib.sha256(f"{self.store.url}|{self.group}".encode()).hexdigest()[:16]
        return f"{database}-{hashlib.sha256(text.encode()).hexdigest()}"

    def index(self) -> _CachedIndex:
        """The name index, from the cache file when it is current, else built and saved."""
        if self._index is None:
            fingerprint = self._fingerprint()
            folder = self.cache_dir or _cache_dir()
            self._index = _CachedIndex.open(folder, fingerprint, self._names, self.group)
        return self._index

    def _names(self) -> Iterator[tuple[_Listed, str]]:
        with self.store.read() as conn:
            rows = conn.execute(select(_LISTED)).all()
        for row in rows:
            entry = _Listed(row.id, row.key, row.list_code, row.name, row.country, row.event_id)
            for listed_name in dict.fromkeys([row.name, *(row.aliases or [])]):
                yield entry, listed_name

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
        for listed, listed_name, analyzed in index.candidates(query):
            if listed.list_code not in allowed:
                continue
            explanation = score_analyzed(query, analyzed)
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
                "matched_name": listed_name,
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
