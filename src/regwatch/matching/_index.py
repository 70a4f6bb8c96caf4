"""A name index: find the few names worth scoring among tens of thousands, fast.

Scoring every pair of names is quadratic (10,000 watched entities with 3 aliases against the
25,700 entries of the Consolidated Screening List is over a billion pairs), so names are
*blocked* on keys that any match must share, because the scorer itself requires a shared
distinctive word (see :mod:`._names`):

- every distinctive word, and for words of four letters or more its one-edit neighbourhood
  (SymSpell's deletions: a letter dropped, added, changed or two swapped still meet, so
  ``haige``/``haigee``/``halge`` find each other; two edits in the same word do not block
  together, which brute force would score — the differ benchmark measures what that costs);
- each two adjacent words run together (``Good Will``/``Goodwill``);
- the initials of the name (``PLA``/``People's Liberation Army``) and abbreviation expansions
  (``comm``/``communications``);
- for a name made only of generic words (``Bank of China``), all its words.

Generic words of a name that has distinctive ones are never keys: ``Technology`` alone cannot
make a match, so it need not bring candidates either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Generic, TypeVar

from ._analyze import Analyzed, Kind, Token, analyze
from ._lexicon import ABBREVIATIONS
from ._names import NameExplanation, _distinctive, score_analyzed

__all__ = ["NameIndex", "choose_candidates", "is_alone", "name_keys", "word_keys"]

T = TypeVar("T")

_MIN_TYPO = 4
#: a key shared by more than this share of the names (and this many) is too common to block on
_COMMON_SHARE = 0.005
_COMMON_FLOOR = 64


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") else word


def _typo_keys(word: str, query: bool) -> Iterator[str]:
    """Keys that meet words one edit away.  The index files each word under its deletions,
    tagged with the position (``p3:haie`` for ``haige``); a query looks up its own deletions
    at the same or the next position (a letter changed, two letters swapped), its deletions
    as plain words (a letter the indexed word lacks), and itself at every position (a letter
    the indexed word has more)."""
    if len(word) < _MIN_TYPO:
        return
    for k in range(len(word)):
        deleted = word[:k] + word[k + 1 :]
        if query:
            yield deleted
            yield f"p{k - 1}:{deleted}"
            yield f"p{k}:{deleted}"
            yield f"p{k + 1}:{deleted}"
        else:
            yield f"p{k}:{deleted}"
    if query:
        for k in range(len(word) + 1):
            yield f"p{k}:{word}"


def _word_keys(token: Token, query: bool) -> Iterator[str]:
    text = token.latin or token.text
    yield text
    if token.cjk:
        yield token.text
        return
    stem = _stem(text)
    if stem != text:
        yield stem
    for expansion in ABBREVIATIONS.get(text, ()):
        yield _stem(expansion.replace(" ", ""))
    yield from _typo_keys(text, query)


def name_keys(name: Analyzed, *, query: bool = False) -> set[str]:
    """The blocking keys of an analyzed name (see the module docstring).

    An acronym meets the initials of the other name: the index stores its names' initials
    under ``ini:`` and their short words under ``tok:``; a query looks its short words up
    under ``ini:`` and its initials under ``tok:``.
    """
    tokens = name.tokens
    keys: set[str] = set()
    distinctive = _distinctive(tokens)
    for i in distinctive:
        keys.update(_word_keys(tokens[i], query))
    # Two words run together, when one of them identifies ("Good Will" / "Goodwill").
    words = [
        (i, t) for i, t in enumerate(tokens)
        if t.kind not in (Kind.STOP, Kind.HONORIFIC, Kind.FORM) and not t.cjk
    ]  # fmt: skip
    # The index files each pair under "j:"; a query looks its words up there, and its own
    # pairs up among the indexed words (pairs never meet pairs: the words themselves do).
    for (i, left), (j, right) in pairwise(words):
        if i in distinctive or j in distinctive:
            keys.add(left.text + right.text if query else "j:" + left.text + right.text)
    if query:
        keys.update("j:" + tokens[i].text for i in distinctive if not tokens[i].cjk)
    initials = "".join(
        t.text[0] for t in tokens if t.kind in (Kind.NAME, Kind.GENERIC, Kind.PLACE) and not t.cjk
    )
    short = [t.text for t in tokens if t.kind is Kind.NAME and 2 <= len(t.text) <= 6]
    mine, theirs = ("tok:", "ini:") if query else ("ini:", "tok:")
    if 2 <= len(initials) <= 6 and len(initials) > 1:
        keys.add(mine + initials)
    keys.update(theirs + word for word in short if word.isalpha())
    return keys


def word_keys(word: str, following: str = "") -> set[str]:
    """The keys a word of running text looks up (itself, its one-edit neighbours, its
    expansion, itself run together with the next word): how names are found in documents."""
    keys = {word, _stem(word)}
    keys.update(_stem(e.replace(" ", "")) for e in ABBREVIATIONS.get(word, ()))
    keys.update(_typo_keys(word, query=True))
    keys.add("j:" + word)
    if following:
        keys.add(word + following)
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
        return self.lookup(name_keys(name, query=True), alone=is_alone(name))

    def lookup(self, keys: Iterable[str], *, alone: bool = True) -> set[int]:
        """Entries sharing a key (see :func:`choose_candidates`)."""
        postings = {k: p for k in set(keys) if (p := self.postings.get(k))}
        return choose_candidates(postings, len(self.entries), alone=alone)

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
            if score_analyzed(entry.name, query, detail=False).score >= threshold:
                out.append((entry.ref, score_analyzed(entry.name, query)))
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


def is_alone(name: Analyzed) -> bool:
    """Whether ``name`` has at most one distinctive word (its common words then count)."""
    return len(_distinctive(name.tokens)) <= 1


def choose_candidates(postings: Mapping[str, list[int]], total: int, *, alone: bool) -> set[int]:
    """The entries worth scoring, from the postings of a query's keys among ``total`` names.

    Keys too common to discriminate (a word in a large share of the names, like
    ``semiconductor`` in a chip maker's supplier list) only count when nothing rarer is shared,
    and then two of them must agree, unless the common word is all the query has (``alone``):
    a common word next to words nobody else has is the kind of evidence the scorer refuses
    anyway."""
    cap = max(_COMMON_FLOOR, int(total * _COMMON_SHARE))
    found: set[int] = set()
    common = []
    for posting in postings.values():
        if len(posting) <= cap:
            found.update(posting)
        else:
            common.append(posting)
    if found or not common:
        return found
    # The typo keys of one word share that word's entries: count distinct entry lists.
    common = list({(len(p), p[0], p[-1]): p for p in common}.values())
    if len(common) == 1:
        return set(common[0]) if alone else set()
    common.sort(key=len)
    return set(common[0]).intersection(common[1])


def build_index(names: Iterable[tuple[T, str, str]]) -> NameIndex[T]:
    """An index of ``(ref, name, schema)`` triples."""
    index: NameIndex[T] = NameIndex()
    for ref, name, schema in names:
        index.add(ref, name, schema)
    return index
