"""Digest items in the words a compliance officer would write (pure: strings in, strings out).

* :func:`sentence`: the one line that says what happened and why it matters to this company,
  ("Your customer Hangzhou Lianxin Microelectronics (CN) was added to the Entity List by
  91 FR 80101, effective 13 Nov 2026 — before it was published");
* :func:`field_changes`: a revision as changes, per field what was removed and what was added,
  in words and ``+``/``−`` marks that survive plain text and colour blindness.

Everything returned is plain text; the renderer cleans and escapes it like any source value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from ._model import Item, Reason

__all__ = ["FieldChange", "field_changes", "field_label", "human_date", "sentence"]

#: list names as a sentence says them ("added to the Entity List")
LIST_WORDS = {
    "EL": "the Entity List",
    "MEU": "the Military End-User List",
    "MIEU": "the Military-Intelligence End-User list",
    "UVL": "the Unverified List",
    "DPL": "the Denied Persons List",
    "SDN": "OFAC's SDN List",
    "JP-EUL": "METI's End User List",
}

FIELD_LABELS = {
    "entity.addresses": ("Addresses", "address", "addresses"),
    "entity.aliases": ("Also known as", "alias", "aliases"),
    "entity.name": ("Name", "name", "names"),
    "entity.license_requirement": ("Licence requirement", None, None),
    "entity.license_review_policy": ("Licence review policy", None, None),
    "entity.federal_register_citation": ("Federal Register citation", None, None),
    "country": ("Country", None, None),
    "title": ("Title", None, None),
}


@lru_cache(maxsize=4096)  # strftime is slow, and a run names the same few hundred days
def human_date(day: date) -> str:
    """``13 Nov 2026``: day first and the month in letters, unambiguous in every country."""
    return f"{day.day} {day:%b %Y}"


def _party(reason: Reason) -> str:
    """``Your customer Hangzhou Lianxin Microelectronics (CN)``."""
    spec = reason.spec
    role = spec.get("role")
    who = f"Your {role}" if isinstance(role, str) and role.strip() else "Your watched party"
    country = spec.get("country")
    suffix = f" ({country})" if isinstance(country, str) and country else ""
    return f"{who} {reason.watch_value}{suffix}"


def _by(item: Item) -> str:
    event = item.event.event
    if event.citation:
        return f" by {event.citation}"
    if event.document_number:
        return f" by FR Doc. {event.document_number}"
    return ""


def _effective(item: Item) -> str:
    event = item.event.event
    published, effective = event.published_on, event.effective_on
    if effective is None:
        return f", published {human_date(published)}" if published else ""
    text = f", effective {human_date(effective)}"
    if published and effective < published:
        text += " — before it was published"
    return text


def _document(item: Item) -> str:
    event = item.event.event
    kind = str(event.data.get("type") or "").strip().lower()
    noun = {"rule": "a rule", "proposed rule": "a proposed rule", "notice": "a notice"}.get(
        kind, "a document"
    )
    if event.source == "meti":
        noun = "a METI release"
    if str(event.kind) == "document.corrected":
        noun = "a correction"
    elif str(event.kind) == "document.withdrawn":
        noun = "a withdrawal"
    elif str(event.kind) == "list.revised":
        noun = "a list revision"
    return f"{noun}, “{event.title}”"


def _listing_sentence(item: Item, reason: Reason, short: bool) -> str:
    event = item.event.event
    kind = str(event.kind)
    target = LIST_WORDS.get(event.list_code or "", event.list_code or "a restricted-party list")
    party = _party(reason)
    listed = event.entity.name if event.entity else None
    as_listed = ""
    if not short and listed and listed.casefold() != reason.watch_value.casefold():
        as_listed = f" (listed as “{listed}”)"
    if kind == "entity.added":
        what = f"was added to {target}"
    elif kind == "entity.removed":
        what = f"was removed from {target}"
    elif kind == "entity.revised":
        changed = len(event.changes or {})
        fields = f": {changed} field{'s' if changed != 1 else ''} changed" if changed else ""
        return f"{party}{as_listed}: its entry on {target} was revised{_by(item)}{fields}"
    else:  # listing.* findings across the rule, the eCFR and the screening lists
        detail = event.summary or event.title
        return f"{party}{as_listed}: {detail}"
    if reason.tier == "review":
        party = f"Possibly {party[0].lower()}{party[1:]}"
    return f"{party}{as_listed} {what}{_by(item)}{_effective(item)}"


def sentence(item: Item, short: bool = False) -> str:
    """What happened and why it matters, from the item's strongest match.

    :param short: leave out how the party is listed when its listed name differs from the
        watched one (for subject lines and chat messages, where the full item is a link away).
    """
    reason = item.reasons[0]
    event = item.event.event
    kind = str(event.kind)
    if reason.watch_kind == "entity" and (
        kind.startswith("entity.") or kind.startswith("listing.")
    ):
        return _listing_sentence(item, reason, short)
    citation = f" ({event.citation})" if event.citation else ""
    where = f"{_document(item)}{citation}{_effective(item)}"
    if event.entity is not None:  # a listing, matched by something other than a watched party
        where = f"the listing of {event.entity.name} ({_kind_words(kind)}{_by(item)})"
    value = reason.watch_value
    if reason.watch_kind == "entity":
        return f"{_party(reason)} is named in {where}"
    if reason.watch_kind == "eccn":
        return f"ECCN {value}, which you watch, is named in {where}"
    if reason.watch_kind == "cfr":
        return f"{value}, which you watch, is cited by {where}"
    if reason.watch_kind == "country":
        if event.entity is not None:
            subject = f"{event.entity.name} — {_kind_words(kind)}{_by(item)}"
        else:
            subject = where
        return f"A country you watch ({value}): {subject}"
    if reason.watch_kind == "topic":
        return f"On the topic {value}, which you watch: {where}"
    return f"“{value}” appears in {where}"


def _kind_words(kind: str) -> str:
    return {
        "entity.added": "added to a list",
        "entity.revised": "its listing was revised",
        "entity.removed": "removed from a list",
        "list.revised": "a new edition of the list",
        "document.corrected": "a correction",
        "document.withdrawn": "withdrawn",
        "release.published": "a release",
    }.get(kind, "published")


@dataclass(frozen=True)
class FieldChange:
    """One changed field: for a list, what was removed and added; for a value, old and new."""

    field: str
    removed: tuple[str, ...]
    added: tuple[str, ...]
    #: ``1 address added, 1 removed``
    words: str


def field_label(name: str) -> str:
    label = FIELD_LABELS.get(name)
    if label:
        return label[0]
    return name.removeprefix("entity.").removeprefix("data.").replace("_", " ").capitalize()


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _as_list(value: Any) -> list[str] | None:
    if value is None or value == "":
        return []
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_text(v) for v in value]
    return None


def _count(n: int, name: str) -> str:
    nouns = FIELD_LABELS.get(name, (None, None, None))
    one, many = nouns[1] or "value", nouns[2] or "values"
    return f"{n} {one if n == 1 else many}"


def field_changes(changes: Mapping[str, Any] | None) -> list[FieldChange]:
    """``changes`` (field → ``[old, new]``) as what was removed and added per field.

    Lists are compared as sets, in their order: an address added, an alias dropped.  A single
    value is one removal and one addition ("was X, now Y").
    """
    out = []
    for name, pair in (changes or {}).items():
        if isinstance(pair, Sequence) and not isinstance(pair, str) and len(pair) == 2:
            old, new = pair[0], pair[1]
        else:
            old, new = None, pair
        old_list, new_list = _as_list(old), _as_list(new)
        label = field_label(name)
        if old_list is not None and new_list is not None:
            removed = tuple(v for v in old_list if v not in new_list)
            added = tuple(v for v in new_list if v not in old_list)
            parts = []
            if added:
                parts.append(f"{_count(len(added), name)} added")
            if removed:
                parts.append(f"{_count(len(removed), name)} removed")
            words = ", ".join(parts) or "reordered"
        else:
            removed = (_text(old),) if old not in (None, "") else ()
            added = (_text(new),) if new not in (None, "") else ()
            words = "changed" if removed and added else ("set" if added else "cleared")
        out.append(FieldChange(label, removed, added, words))
    return out
