"""The amendatory instructions (``AMDPAR``) of a rule that amends the Entity List or MEU List.

Pure: text in, instructions out.  An AMDPAR is read as a stream of tokens in the order they are
written, because that is how the instructions mean it:

- a **verb** (``adding``, ``revising``, ``removing``, ``amend by …``) applies to every quoted
  name after it until the next verb: "by adding … an entry for “A” and by revising the entry
  for “B”" adds A and revises B;
- a **place** (``under CHINA, PEOPLE'S REPUBLIC OF``) applies to the names after it, and carries
  on (to later clauses and later AMDPARs) until the next place; a place written right after the
  names ("the entries for “A” under CHINA") applies to those names;
- a **supplement** (``Supplement No. 4 to part 744`` or ``No. 7``) says which list the following
  instructions amend;
- a verb followed by places but no names ("by adding under BELGIUM, one Belgian entity, and under
  JAPAN, two Japanese entities") is an unnamed instruction per place: the table says which.

The context (list, verb, place) carries from one AMDPAR to the next, as lettered
sub-instructions ("a. By adding …; b. By revising …") rely on the paragraph above them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from .._entity_names import country_at, repair_text

__all__ = ["SUPPLEMENTS", "Action", "Context", "Instruction", "read_instructions", "supplements_in"]

Action = Literal["added", "revised", "removed"]

#: supplement number → list code
SUPPLEMENTS = {"4": "EL", "7": "MEU"}
_SUPPLEMENT = re.compile(r"supplement\s+no\.?\s*(\d+)\s+to\s+part\s+744", re.IGNORECASE)
_QUOTED = re.compile(r"[“\"]([^”\"]+)[”\"]|‘([^’]+)’")
_VERB = re.compile(
    r"\b(?:amend(?:ed|ing)?\s+by\s+)?(?P<verb>add(?:ing|s)?|revis(?:ing|es|e)|"
    r"remov(?:ing|es|e)|modify(?:ing)?|modifies)\b",
    re.IGNORECASE,
)
_UNDER = re.compile(
    r"\bunder\s+(?:the\s+(?:heading|destination|entries)\s+(?:of\s+|for\s+)?|the\s+)?", re.I
)
_ENTRY_WORD = re.compile(r"\bentr(?:y|ies)\b|\bentit(?:y|ies)\b|\bread\s+as\s+follows\b", re.I)
_TOKEN = re.compile(
    r"(?P<name>\x00(?P<index>\d+)\x00)|(?P<supplement>" + _SUPPLEMENT.pattern + r")|"
    r"(?P<under>" + _UNDER.pattern + r")|(?P<verb>" + _VERB.pattern.replace("?P<verb>", "") + r")",
    re.IGNORECASE,
)


@dataclass
class Instruction:
    """One verb at one place on one list, with the names it applies to (maybe none)."""

    action: Action
    list_code: str
    country: str | None
    heading: str | None
    names: list[str]
    #: the AMDPAR the instruction comes from, as written
    text: str


@dataclass
class Context:
    """What the instructions said so far: it carries over from one AMDPAR to the next."""

    list_code: str | None = None
    action: Action | None = None
    heading: str | None = None
    country: str | None = None
    #: places written in the instructions that regwatch does not know as countries
    unknown_places: list[str] = field(default_factory=list)


def supplements_in(text: str) -> list[str]:
    """The supplement numbers a text names (``["4"]`` for "Supplement No. 4 to part 744")."""
    return _SUPPLEMENT.findall(text)


def _action(word: str) -> Action:
    word = word.lower()
    if word.startswith("add"):
        return "added"
    if word.startswith("remov"):
        return "removed"
    return "revised"


@dataclass
class _Group:
    action: Action | None
    list_code: str | None
    heading: str | None
    country: str | None
    names: list[str] = field(default_factory=list)
    #: a verb of this AMDPAR opened the group (an unnamed group counts only then)
    by_verb: bool = False
    #: the group has its own place (written in it, before or right after its names)
    placed: bool = False
    start: int = 0


def read_instructions(text: str, context: Context) -> list[Instruction]:
    """The entry-level instructions of one AMDPAR, updating ``context`` for the next one."""
    text = repair_text(text)
    names: list[str] = []

    def hide(match: re.Match[str]) -> str:
        names.append(repair_text(match[1] or match[2]).strip(" ,;."))
        return f"\x00{len(names) - 1}\x00"

    masked = _QUOTED.sub(hide, text)
    out: list[Instruction] = []
    group = _Group(context.action, context.list_code, context.heading, context.country)

    def close(end: int) -> None:
        if group.action is None or group.list_code is None:
            return
        if group.names:
            out.append(
                Instruction(
                    group.action,
                    group.list_code,
                    group.country,
                    group.heading,
                    list(group.names),
                    text,
                )
            )
        elif group.by_verb and (group.placed or _ENTRY_WORD.search(masked[group.start : end])):
            out.append(
                Instruction(group.action, group.list_code, group.country, group.heading, [], text)
            )

    for token in _TOKEN.finditer(masked):
        if token["name"]:
            group.names.append(names[int(token["index"])])
        elif token["supplement"]:
            number = _SUPPLEMENT.match(token["supplement"])
            code = SUPPLEMENTS.get(number[1]) if number else None
            close(token.start())
            if code != context.list_code:
                context.heading = context.country = None  # places do not carry across lists
            context.list_code = code
            if code is None:
                context.action = None  # another supplement: its instructions are not ours
            group = _Group(
                context.action,
                code,
                context.heading,
                context.country,
                by_verb=group.by_verb and not group.names,
                start=token.start(),
            )
        elif token["verb"]:
            close(token.start())
            word = _VERB.match(token[0])
            context.action = _action(word["verb"] if word else token[0])
            group = _Group(
                context.action,
                context.list_code,
                context.heading,
                context.country,
                by_verb=True,
                start=token.start(),
            )
        else:
            rest = masked[token.end() :]
            found = country_at(rest)
            if found is None:
                raw = rest.split(",")[0].strip()
                # A country heading is written in capitals ("under KOSOVO"); "under
                # Supplement No. 4" or "under § 744.11" is no place.
                if raw and raw == raw.upper() and raw[:1].isalpha() and "\x00" not in raw:
                    context.unknown_places.append(raw)
                    found = (raw, "")
                else:
                    continue
            heading, country = found[0], found[1] or None
            if group.names and not group.placed:
                # "the entries for “A” and “B” under CHINA": the place belongs to those names
                group.heading, group.country, group.placed = heading, country, True
                close(token.start())
                group = _Group(
                    context.action, context.list_code, heading, country, start=token.start()
                )
            else:
                by_verb = group.by_verb
                if group.placed or group.names:
                    close(token.start())
                group = _Group(
                    context.action,
                    context.list_code,
                    heading,
                    country,
                    by_verb=by_verb,
                    placed=True,
                    start=token.start(),
                )
            context.heading, context.country = heading, country
    close(len(masked))
    return out
