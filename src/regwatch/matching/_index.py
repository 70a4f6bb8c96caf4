"""A name index: find the few names worth scoring among tens of thousands, fast.

Scoring every pair of names is quadratic (10,000 watched entities with 3 aliases against the
25,700 entries of the Consolidated Screening List is over a billion pairs), so names are
*blocked* on keys that any match must share, because the scorer itself requires a shared
distinctive word (see :mod:`._names`):

- every distinctive word, and its one-deletion variants for words of five letters or more
  (a typo on each side still meets: ``haige``/``haigee`` share ``haige``);
- each two adjacent words run together (``Good Will``/``Goodwill``);
- the initials of the name (``PLA``/``People's Liberation Army``) and abbreviation expansions
  (``comm``/``communications``);
- for a name made only of generic words (``Bank of China``), all its words.

Generic words of a name that has distinctive ones are never keys: ``Technology`` alone cannot
make a match, so it need not bring candidates either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Generic, TypeVar

from ._analyze import Analyzed, Kind, Token, analyze
from ._lexicon import ABBREVIATIONS
from ._names import NameExplanation, _distinctive, score_analyzed

__all__ = ["NameIndex", "name_keys", "word_keys"]

T = TypeVar("T")

_MIN_DELETION = 5


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") else word


def _word_keys(token: Token) -> Iterator[str]:
    text = token.latin or token.text
    yield text
    if token.cjk:
        yield token.text
    stem = _stem(text)
    if stem != text:
        yield stem
    for expansion in ABBREVIATIONS.get(text, ()):
        yield _stem(expansion.replace(" ", ""))
    if len(text) >= _MIN_DELETION and not token.cjk:
        for i in range(len(text)):
            yield "~" + text[:i] + text[i + 1 :]
        yield "~" + text


def name_keys(name: Analyzed) -> set[str]:
    """The blocking keys of an analyzed name (see the module docstring)."""
    tokens = name.tokens
    keys: set[str] = set()
    for i in _distinctive(tokens):
        keys.update(_word_keys(tokens[i]))
    words = [t for t in tokens if t.kind not in (Kind.STOP, Kind.HONORIFIC) and not t.cjk]
    for left, right in pairwise(words):
        joined = left.text + right.text
        keys.add(joined)
        if len(joined) >= _MIN_DELETION:
            keys.add("~" + joined)
    initials = "".join(
        t.text[0] for t in tokens if t.kind in (Kind.NAME, Kind.GENERIC, Kind.PLACE) and not t.cjk
    )
    if 2 <= len(initials) <= 6:
        keys.add(initials)
    for t in tokens:
        if t.kind is Kind.NAME and 2 <= len(t.text) <= 6 and t.text.isalpha():
            keys.add(t.text)
    return keys


def word_keys(word: str, following: str = "") -> set[str]:
    """The keys a word of running text can meet (itself, its typo variants, its expansion,
    itself run together with the next word): how names are found inside a document."""
    keys = {word, _stem(word)}
    keys.update(_stem(e.replace(" ", "")) for e in ABBREVIATIONS.get(word, ()))
    if len(word) >= _MIN_DELETION:
        keys.add("~" + word)
        keys.update("~" + word[:i] + word[i + 1 :] for i in range(len(word)))
    if following:
        joined = word + following
        keys.add(joined)
        if len(joined) >= _MIN_DELETION:
            keys.add("~" + joined)
    return keys


@dataclass(slots=True)
class _Entry(Generic[T]):
    ref: T
    name: Analyzed


@dataclass
class NameIndex(Generic[T]):
    """Names (each with a reference of the caller's choosing) indexed for screening."""

    entries: list[_Entry[T]] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(self, ref: T, name: str | Analyzed, schema: str = "Company") -> None:
        analyzed = name if isinstance(name, Analyzed) else analyze(name, schema)
        if not analyzed.tokens:
            return
        index = len(self.entries)
        self.entries.append(_Entry(ref, analyzed))
        for key in name_keys(analyzed):
            self.postings[key].append(index)

    def __len__(self) -> int:
        return len(self.entries)

    def candidates(self, name: Analyzed) -> set[int]:
        return self.lookup(name_keys(name))

    def lookup(self, keys: Iterable[str]) -> set[int]:
        found: set[int] = set()
        for key in keys:
            posting = self.postings.get(key)
            if posting:
                found.update(posting)
        return found

    def search(
        self, name: str | Analyzed, *, threshold: float, schema: str = "Company"
    ) -> list[tuple[T, NameExplanation]]:
        """Every indexed name scoring at least ``threshold`` against ``name``, best first.

        The indexed name is the first argument of the score (the watched side), ``name``
        the second (the listed side), as :func:`~regwatch.matching.name_score` expects.
        """
        query = name if isinstance(name, Analyzed) else analyze(name, schema)
        if not query.tokens:
            return []
        out = []
        for i in self.candidates(query):
            entry = self.entries[i]
            explanation = score_analyzed(entry.name, query)
            if explanation.score >= threshold:
                out.append((entry.ref, explanation))
        out.sort(key=lambda pair: pair[1].score, reverse=True)
        return out

    def brute_force(
        self, name: str | Analyzed, *, threshold: float, schema: str = "Company"
    ) -> list[tuple[T, NameExplanation]]:
        """:meth:`search` without the index: every name scored (the benchmark's baseline)."""
        query = name if isinstance(name, Analyzed) else analyze(name, schema)
        out = []
        for entry in self.entries:
            explanation = score_analyzed(entry.name, query)
            if explanation.score >= threshold:
                out.append((entry.ref, explanation))
        out.sort(key=lambda pair: pair[1].score, reverse=True)
        return out


def build_index(names: Iterable[tuple[T, str, str]]) -> NameIndex[T]:
    """An index of ``(ref, name, schema)`` triples."""
    index: NameIndex[T] = NameIndex()
    for ref, name, schema in names:
        index.add(ref, name, schema)
    return index
