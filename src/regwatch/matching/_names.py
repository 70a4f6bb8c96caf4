"""Name scoring: align the tokens of two names, weigh what agrees, and say why.

The recipe, with the evidence from logic-v2's errors on the name benchmark folded in:

- tokens are aligned one-to-one, greedily by similarity, in any order; a word may also meet
  two words run together (``Goodwill`` / ``Good Will``), an acronym the words it abbreviates
  (``PLA`` / ``People's Liberation Army``), an initial a word with its letter;
- two words are similar within a *length-aware edit budget* (none for three letters or
  fewer; for people one for four, two up to nine, three beyond; for organisations one up
  to eight, two up to twelve, three beyond), on the spelling or on a rough phonetic key;
  over budget they simply do not match;
- the score is a weighted mean: legal forms, stopwords and particles weigh little, generic
  words and places less than distinctive words; words only one side has cost a little
  (lists add subsidiaries, patronymics, middle names), but a word on *each* side left
  unmatched is a substitution — another person, another company — and costs a lot;
- different numbers (``13th`` / ``14th``), different legal forms (AG / GmbH) and a shuffled
  word order (not a rotation such as ``Putin, Vladimir``) multiply the score down;
- for organisations, at least one *distinctive* word must agree: a shared ``Technology``
  or ``Bank`` alone never makes a match.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import OSA

from ._analyze import SCHEMAS, Analyzed, Kind, Token, analyze, fold, skeleton
from ._lexicon import ABBREVIATIONS

__all__ = [
    "ALERT_THRESHOLD",
    "MATCHER_VERSION",
    "REVIEW_THRESHOLD",
    "AlignedPair",
    "NameExplanation",
    "explain_names",
    "name_score",
]

#: a score at or above this is an alert: the names very probably denote the same party
ALERT_THRESHOLD = 0.80
#: a score at or above this (and below the alert threshold) is worth a human look
REVIEW_THRESHOLD = 0.65
#: changes whenever the normalization, the word lists or the weights change, so that a stored
#: match can be traced to the matcher that made it
MATCHER_VERSION = "regwatch-names/1"

#: the weight of a word only one side has, relative to a matched word
_EXTRA = 0.35
#: generic words and places only one side has cost less: lists decorate names with them
#: ("Hangzhou Hikvision Digital Technology Co., Ltd." for a customer's "Hikvision")
_EXTRA_DECORATION = 0.2
#: how hard a substitution (a word on each side left unmatched) bites
_SUBSTITUTION = 0.6
_NUMBER_MISMATCH = 0.6
_FORM_MISMATCH = 0.85
_LINEAGE_MISMATCH = 0.75
_ORDER_STEP = 0.1
_ORDER_FLOOR = 0.7
_CROSS_SCRIPT = 0.95
_SHORT_SKELETON = 0.8
#: the most a pair of names with no distinctive word in common can score
_GATE_CAP = 0.45

_SUBSTITUTABLE = frozenset(
    {Kind.NAME, Kind.GENERIC, Kind.PLACE, Kind.INITIAL, Kind.PARTICLE, Kind.PATRONYMIC}
)
_ORDERED = frozenset({Kind.NAME, Kind.GENERIC, Kind.INITIAL})
#: how a pair of person-name words must agree for the pair to count as real evidence
_SOLID = frozenset({"exact", "spelling", "sound", "joined", "transliteration", "abbreviation"})
_ACRONYM_PARTS = frozenset({Kind.NAME, Kind.GENERIC, Kind.PLACE})


@dataclass(frozen=True, slots=True)
class AlignedPair:
    """Tokens of each name that were matched to each other, and how well."""

    a: str
    b: str
    kind: str
    score: float
    how: str

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "kind": self.kind, "score": self.score, "how": self.how}


@dataclass(frozen=True, slots=True)
class NameExplanation:
    """Why two names scored what they scored."""

    a: str
    b: str
    schema: str
    score: float
    pairs: tuple[AlignedPair, ...]
    unmatched_a: tuple[str, ...]
    unmatched_b: tuple[str, ...]
    #: ``(name, factor, detail)`` of every adjustment that fired
    qualifiers: tuple[tuple[str, float, str], ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "schema": self.schema,
            "score": self.score,
            "tokens": [p.to_json() for p in self.pairs],
            "unmatched_a": list(self.unmatched_a),
            "unmatched_b": list(self.unmatched_b),
            "qualifiers": [
                {"name": name, "factor": factor, "detail": detail}
                for name, factor, detail in self.qualifiers
            ],
        }

    def summary(self) -> str:
        """One line for a digest: ``haige≈haige, guangzhou[place], <ltd>[legal_form]``."""
        parts = []
        for p in self.pairs:
            sign = "=" if p.score >= 0.999 else "≈"
            parts.append(f"{p.a}{sign}{p.b}" + (f" [{p.how}]" if p.how != "exact" else ""))
        parts += [f"{q[0]} ×{q[1]:.2f}" for q in self.qualifiers]
        return ", ".join(parts)


def _budget(length: int, person: bool) -> int:
    """Edits allowed between two words of this length.  People's names are transliterated
    many ways (Sechin/Sechev, Starmer/Starkey); a company's distinctive word is written by the
    company itself, so two edits in a short one is another company (Miqan/Saqan)."""
    if length <= 3:
        return 0
    if person:
        return 1 if length <= 4 else 2 if length <= 9 else 3
    return 1 if length <= 8 else 2 if length <= 12 else 3


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") else word


@lru_cache(maxsize=262144)
def _latin_sim(a: str, b: str, person: bool) -> tuple[float, str]:
    """Similarity of two Latin words in [0, 1], and how it was found."""
    if a == b:
        return 1.0, "exact"
    expand_a = ABBREVIATIONS.get(a, ())
    expand_b = ABBREVIATIONS.get(b, ())
    if expand_a or expand_b:
        stems_a = {_stem(w) for w in expand_a} | {_stem(a)}
        stems_b = {_stem(w) for w in expand_b} | {_stem(b)}
        if stems_a & stems_b:
            return 0.95, "abbreviation"
    length = max(len(a), len(b))
    budget = _budget(length, person)
    distance = float(OSA.distance(a, b, score_cutoff=budget + 1))
    fa, fb = fold(a), fold(b)
    if fa == fb:
        distance = min(distance, 0.5)
    elif budget:
        distance = min(distance, OSA.distance(fa, fb, score_cutoff=budget + 1) + 0.5)
    if distance <= budget or (distance == 0.5 and length >= 3):
        return round(1.0 - 0.9 * distance / length, 4), "spelling" if distance >= 1 else "sound"
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    if person and 2 <= len(short) <= 3 and len(long_) >= len(short) + 2 and long_.startswith(short):
        return 0.7, "prefix"
    return 0.0, ""


def _cjk_sim(a: str, b: str) -> float:
    if a == b:
        return 1.0
    length = max(len(a), len(b))
    # Chinese and Korean names are short: one character differs, another person (习近平).
    budget = 0 if length <= 3 else 1 if length <= 6 else 2
    distance = OSA.distance(a, b, score_cutoff=budget + 1)
    return round(1.0 - 0.9 * distance / length, 4) if distance <= budget else 0.0


def _token_sim(ta: Token, tb: Token, person: bool) -> tuple[float, str]:
    if ta.abjad != tb.abjad:
        # Arabic or Hebrew script against Latin: compare the consonants.
        a, b = skeleton(ta.text), skeleton(tb.text)
        sim, _ = _latin_sim(a, b, person)
        # One or two consonants say little: "ly" is Ali, but also Lee or Lai.
        short = _SHORT_SKELETON if min(len(a), len(b)) <= 2 else 1.0
        return sim * short, "transliteration"
    if ta.cjk and tb.cjk:
        return _cjk_sim(ta.text, tb.text), "exact" if ta.text == tb.text else "spelling"
    if ta.cjk or tb.cjk:
        a = ta.latin or ta.text
        b = tb.latin or tb.text
        sim, _ = _latin_sim(a, b, person)
        # (the name as a whole takes the cross-script discount, once)
        return sim, "transliteration"
    return _latin_sim(ta.text, tb.text, person)


@dataclass(slots=True)
class _Pair:
    a: tuple[int, ...]
    b: tuple[int, ...]
    sim: float
    how: str


_PAIRS: dict[tuple[int, int, bool], tuple[float, str] | None] = {}
_PAIRS_MAX = 2_000_000


def _pair(ta: Token, tb: Token, person: bool) -> tuple[float, str] | None:
    """:func:`_single_pair`, remembered by token ids (the differ compares the same words
    over and over)."""
    key = (ta.tid, tb.tid, person)
    try:
        return _PAIRS[key]
    except KeyError:
        pass
    if len(_PAIRS) >= _PAIRS_MAX:
        _PAIRS.clear()
    found = _PAIRS[key] = _single_pair(ta, tb, person)
    return found


def _single_pair(ta: Token, tb: Token, person: bool) -> tuple[float, str] | None:
    ka, kb = ta.kind, tb.kind
    if ka is Kind.FORM or kb is Kind.FORM:
        if ka is not kb:
            return None
        if ta.canon == tb.canon:
            return 1.0, "legal form"
        if ta.family and ta.family == tb.family:
            return 0.7, "legal form family"
        return None
    if ka is Kind.NUMBER or kb is Kind.NUMBER:
        return (1.0, "number") if ka is kb and ta.canon == tb.canon else None
    if ka is Kind.HONORIFIC or kb is Kind.HONORIFIC:
        return (1.0, "exact") if ka is kb and ta.text == tb.text else None
    if ka is Kind.INITIAL or kb is Kind.INITIAL:
        if ka is kb:
            return (1.0, "exact") if ta.text == tb.text else None
        word = tb if ka is Kind.INITIAL else ta
        initial = ta if ka is Kind.INITIAL else tb
        if word.kind in (Kind.NAME, Kind.PARTICLE, Kind.GENERIC) and word.text.startswith(
            initial.text
        ):
            return 0.8, "initial"
        return None
    if ka is Kind.PARTICLE and kb is Kind.PARTICLE and ta.canon == tb.canon:
        return 1.0, "exact" if ta.text == tb.text else "particle"
    sim, how = _token_sim(ta, tb, person)
    return (sim, how) if sim > 0 else None


def _joined_pairs(xs: Analyzed, ys: Sequence[Token], person: bool, flip: bool) -> Iterable[_Pair]:
    """A word of ``ys`` against two adjacent words of ``xs`` run together."""
    for i, joined in xs.joins:
        for j, y in enumerate(ys):
            text = y.latin or y.text
            # Run-together words start alike: a different first letter is another word.
            if text[:1] != joined[:1] or abs(len(text) - len(joined)) > 2:
                continue
            if y.kind in (Kind.NUMBER, Kind.INITIAL):
                continue
            sim, _ = _latin_sim(joined, text, person)
            if sim > 0:
                yield (
                    _Pair((j,), (i, i + 1), sim, "joined")
                    if flip
                    else _Pair((i, i + 1), (j,), sim, "joined")
                )


def _acronym_pairs(x: Analyzed, ys: Sequence[Token], flip: bool) -> Iterable[_Pair]:
    """A short word of ``ys`` against the initials of consecutive words of ``x``."""
    xs = x.tokens
    for j, y in enumerate(ys):
        word = y.text
        if y.cjk or not 2 <= len(word) <= 6 or word not in x.initials or not word.isalpha():
            continue
        for start in range(len(xs)):
            if xs[start].kind not in _ACRONYM_PARTS or xs[start].text[:1] != word[0]:
                continue
            initials = ""
            used: list[int] = []
            for k in range(start, len(xs)):
                token = xs[k]
                if token.kind in (Kind.STOP, Kind.PARTICLE):
                    continue
                if token.kind not in _ACRONYM_PARTS or token.cjk:
                    break
                initials += token.text[0]
                used.append(k)
                if not word.startswith(initials):
                    break
                if initials == word and len(used) >= 2:
                    pair = (tuple(used), (j,))
                    yield (
                        _Pair(pair[1], pair[0], 0.85, "acronym")
                        if flip
                        else _Pair(pair[0], pair[1], 0.85, "acronym")
                    )
                    break


_MISS = (-1.0, "")


def _align(a: Analyzed, b: Analyzed) -> list[_Pair]:
    """Greedy one-to-one alignment: the most similar pairs first, heavier pairs on ties."""
    person = a.schema == "Person"
    ta, tb = a.tokens, b.tokens
    wa = [t.weight for t in ta]
    wb = [t.weight for t in tb]
    cache = _PAIRS
    scored: list[tuple[float, float, _Pair]] = []
    for i, x in enumerate(ta):
        xid = x.tid
        for j, y in enumerate(tb):
            found = cache.get((xid, y.tid, person), _MISS)
            if found is _MISS:
                found = _pair(x, y, person)
            if found is not None:
                scored.append((found[0], wa[i] + wb[j], _Pair((i,), (j,), found[0], found[1])))
    for extra in (
        _joined_pairs(a, tb, person, flip=False),
        _joined_pairs(b, ta, person, flip=True),
        _acronym_pairs(a, tb, flip=False),
        _acronym_pairs(b, ta, flip=True),
    ):
        for p in extra:
            weight = sum(wa[i] for i in p.a) + sum(wb[j] for j in p.b)
            scored.append((p.sim, weight, p))
    scored.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    used_a: set[int] = set()
    used_b: set[int] = set()
    chosen: list[_Pair] = []
    for _, _, pair in scored:
        if used_a.isdisjoint(pair.a) and used_b.isdisjoint(pair.b):
            chosen.append(pair)
            used_a.update(pair.a)
            used_b.update(pair.b)
    return chosen


def _inversions(order: list[int]) -> int:
    """Inversions of ``order``, forgiving a rotation (``Putin, Vladimir`` = ``Vladimir Putin``)."""
    if len(order) < 2:
        return 0
    ranks = {v: r for r, v in enumerate(sorted(order))}
    seq = [ranks[v] for v in order]
    n = len(seq)
    best = n * n
    for shift in range(n):
        rotated = [(v - shift) % n for v in seq]
        count = sum(1 for x in range(n) for y in range(x + 1, n) if rotated[x] > rotated[y])
        best = min(best, count)
    return best


def _distinctive(tokens: Sequence[Token]) -> set[int]:
    names = {i for i, t in enumerate(tokens) if t.kind is Kind.NAME}
    if names:
        return names
    core = (Kind.GENERIC, Kind.PLACE, Kind.NUMBER, Kind.INITIAL, Kind.PARTICLE, Kind.PATRONYMIC)
    return {i for i, t in enumerate(tokens) if t.kind in core}


def _gate(a: Analyzed, b: Analyzed, pairs: Sequence[_Pair]) -> bool:
    """Does a distinctive word of each name agree?  For people, a real name word must agree
    (initials and acronyms alone, "N.N.", are not a name)."""
    distinct_a, distinct_b = _distinctive(a.tokens), _distinctive(b.tokens)
    for p in pairs:
        if distinct_a.isdisjoint(p.a) or distinct_b.isdisjoint(p.b):
            continue
        if a.schema != "Person" or p.how in _SOLID:
            return True
    return False


def _score(a: Analyzed, b: Analyzed, detail: bool = True) -> NameExplanation:
    """The score and, with ``detail``, everything that explains it (the differ scores many
    candidates and explains the few that match)."""
    schema = a.schema
    ta, tb = a.tokens, b.tokens
    if not ta or not tb:
        return NameExplanation(a.original, b.original, schema, 0.0, (), (), ())
    pairs = _align(a, b)
    used_a = {i for p in pairs for i in p.a}
    used_b = {j for p in pairs for j in p.b}
    free_a = [t for i, t in enumerate(ta) if i not in used_a]
    free_b = [t for j, t in enumerate(tb) if j not in used_b]
    wa = [t.weight for t in ta]
    wb = [t.weight for t in tb]
    matched = 0.0
    total = 0.0
    for p in pairs:
        w = sum(wa[i] for i in p.a) + sum(wb[j] for j in p.b)
        matched += p.sim * w
        total += w
    extra = sum(
        t.weight * (_EXTRA_DECORATION if t.kind in (Kind.GENERIC, Kind.PLACE) else _EXTRA)
        for t in (*free_a, *free_b)
    )
    score = matched / (total + extra) if total else 0.0
    qualifiers: list[tuple[str, float, str]] = []

    substituted = min(
        sum(t.weight for t in free_a if t.kind in _SUBSTITUTABLE),
        sum(t.weight for t in free_b if t.kind in _SUBSTITUTABLE),
    )
    if substituted > 0:
        factor = 1.0 / (1.0 + _SUBSTITUTION * substituted)
        text = ""
        if detail:
            left = [t.text for t in free_a if t.kind in _SUBSTITUTABLE]
            right = [t.text for t in free_b if t.kind in _SUBSTITUTABLE]
            text = f"{' '.join(left)} ≠ {' '.join(right)}"
        qualifiers.append(("substitution", factor, text))
    if any(t.kind is Kind.NUMBER for t in free_a) and any(t.kind is Kind.NUMBER for t in free_b):
        numbers_a = [t.canon for t in free_a if t.kind is Kind.NUMBER]
        numbers_b = [t.canon for t in free_b if t.kind is Kind.NUMBER]
        text = f"{' '.join(numbers_a)} ≠ {' '.join(numbers_b)}" if detail else ""
        qualifiers.append(("number_mismatch", _NUMBER_MISMATCH, text))
    if any(t.kind is Kind.FORM for t in free_a) and any(t.kind is Kind.FORM for t in free_b):
        forms_a = [t.text for t in free_a if t.kind is Kind.FORM]
        forms_b = [t.text for t in free_b if t.kind is Kind.FORM]
        text = f"{' '.join(forms_a)} ≠ {' '.join(forms_b)}" if detail else ""
        qualifiers.append(("legal_form_mismatch", _FORM_MISMATCH, text))
    ordered = sorted(
        (min(p.a), min(p.b)) for p in pairs if all(ta[i].kind in _ORDERED for i in p.a)
    )
    inversions = _inversions([j for _, j in ordered])
    if inversions:
        factor = max(_ORDER_FLOOR, 1.0 - _ORDER_STEP * inversions)
        qualifiers.append(("word_order", factor, f"{inversions} word(s) out of order"))
    if a.father is not None and b.father is not None:
        for p in pairs:
            if (a.father in p.a) != (b.father in p.b):
                father_a, father_b = ta[a.father].text, tb[b.father].text
                lineage = f"son of {father_a} ≠ son of {father_b}"
                qualifiers.append(("lineage", _LINEAGE_MISMATCH, lineage))
                break
    if a.script != b.script and "latin" in (a.script, b.script):
        qualifiers.append(("cross_script", _CROSS_SCRIPT, f"{a.script} / {b.script}"))
    for _, factor, _ in qualifiers:
        score *= factor

    if score > _GATE_CAP and not _gate(a, b, pairs):
        qualifiers.append(("no_distinctive_word", _GATE_CAP / score, "only generic words agree"))
        score = _GATE_CAP

    if not detail:
        rounded = round(max(0.0, min(1.0, score)), 4)
        return NameExplanation(a.original, b.original, schema, rounded, (), (), ())
    aligned = tuple(
        AlignedPair(
            a=" ".join(ta[i].text for i in p.a),
            b=" ".join(tb[j].text for j in p.b),
            kind=str(ta[p.a[0]].kind if len(p.a) == 1 else tb[p.b[0]].kind),
            score=round(p.sim, 4),
            how=p.how,
        )
        for p in sorted(pairs, key=lambda p: min(p.a))
    )
    return NameExplanation(
        a=a.original,
        b=b.original,
        schema=schema,
        score=round(max(0.0, min(1.0, score)), 4),
        pairs=aligned,
        unmatched_a=tuple(t.text for t in free_a),
        unmatched_b=tuple(t.text for t in free_b),
        qualifiers=tuple((n, round(f, 4), d) for n, f, d in qualifiers),
    )


def _check_schema(schema: str) -> None:
    if schema not in SCHEMAS:
        raise ValueError(f"unknown schema {schema!r}; expected one of {', '.join(SCHEMAS)}")


def explain_names(a: str, b: str, schema: str = "Company") -> NameExplanation:
    """Score two names and say why: the aligned tokens, their scores, the qualifiers."""
    _check_schema(schema)
    return _score(analyze(a, schema), analyze(b, schema))


def name_score(a: str, b: str, schema: str = "Company") -> float:
    """How likely ``a`` and ``b`` name the same party, in [0, 1].

    :param schema: ``Person``, ``Company``, ``Organization``, ``LegalEntity`` or ``Vessel``
    """
    return explain_names(a, b, schema).score


def score_analyzed(a: Analyzed, b: Analyzed, *, detail: bool = True) -> NameExplanation:
    """:func:`explain_names` for names analyzed already (the differ's inner loop); without
    ``detail`` only the score is filled in."""
    return _score(a, b, detail)
