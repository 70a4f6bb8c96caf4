"""Rendering a digest as an e-mail: Jinja2 templates (HTML and plain text), CSS inlined.

Everything that comes from a source (titles, names, summaries, URLs) passes through
:func:`one_line` or :func:`clip` first, which drop control characters (CR, LF, NUL, ANSI escapes,
bidirectional overrides) and bound the length, so nothing a source writes can reach a header,
break the layout, or make one digest enormous.  The HTML environment escapes everything
(``autoescape=True`` for the whole environment, not ``select_autoescape``, which goes by file
name), and both environments use ``StrictUndefined``, so a typo in a template is an error, not
an empty string.  Links are only made from ``http``/``https`` URLs.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from types import SimpleNamespace
from typing import Any

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .._extraction import describe_extraction
from ..events import StoredEvent
from ._model import Digest, Item, Reason
from ._severity import LEVELS, Severity, parse_override, why_severity
from ._words import field_changes, human_date, sentence

__all__ = [
    "Rendered",
    "clip",
    "digest_context",
    "one_line",
    "render",
    "subject_line",
]

SOURCE_NAMES = {
    "federal_register": "Federal Register",
    "csl": "Consolidated Screening List",
    "meti": "METI",
    "mof": "Japan MOF",
    "meti_ru": "METI Russia lists",
    "mofcom": "China MOFCOM",
    "ofac": "OFAC",
    "un": "UN Security Council",
    "ecfr": "eCFR",
    "reconcile": "Rule, eCFR and CSL compared",
}
LIST_NAMES = {
    "EL": "the Entity List (EL)",
    "MEU": "the Military End-User List (MEU)",
    "UVL": "the Unverified List (UVL)",
    "DPL": "the Denied Persons List (DPL)",
    "SDN": "the SDN List (OFAC)",
    "JP-EUL": "METI's End User List (JP-EUL)",
    "JP-MOF": "Japan MOF's sanctions list (JP-MOF)",
    "JP-METI-RU": "METI's Russia export-ban lists (JP-METI-RU)",
    "CN-UEL": "China's Unreliable Entity List (CN-UEL)",
    "CN-ECL": "China's Export Control Control List (CN-ECL)",
    "UN": "the UN Security Council Consolidated List (UN)",
}
#: how a reconciliation finding is labelled
_FINDING_LABELS = {
    "listing.lagging": "A view lags the rule",
    "listing.unannounced": "A change no rule announced",
    "listing.stale_removal": "Removed by rule, still listed",
    "listing.disagreement": "The views disagree",
    "listing.resolved": "The views agree again",
}

#: C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional
#: embeddings, overrides and isolates that can make text display as something else
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")

TITLE_LIMIT = 1000
SUMMARY_LIMIT = 600
VALUE_LIMIT = 300
SUBJECT_COMPANY_LIMIT = 60
SUBJECT_HEADLINE_LIMIT = 90
MAX_CHANGES = 12
MAX_DETAILS = 8
#: values listed per side of a changed field (an address list can be long)
MAX_CHANGED_VALUES = 6
SEVERITY_TITLES = {
    Severity.CRITICAL: "Critical: a watched party itself",
    Severity.HIGH: "High: rules naming what you watch",
    Severity.INFO: "Info: keywords, countries, topics",
}
#: hiragana and katakana: text with them is Japanese, not Chinese
_KANA = re.compile("[\u3040-\u30ff\uff66-\uff9f]")
_HAN = re.compile("[\u4e00-\u9fff]")


def lang_of(text: str | None, source: str) -> str | None:
    """``ja`` for Japanese text (kana, or Han characters from a Japanese source), so that mail
    clients and screen readers pick Japanese fonts and voices; ``None`` otherwise."""
    if not text:
        return None
    if _KANA.search(text) or (source == "meti" and _HAN.search(text)):
        return "ja"
    return None


class View(SimpleNamespace):
    """Values for the templates.  Attributes, not dict keys: Jinja tries ``getattr`` first, and
    a dict made it fail (and fall back) a few thousand times per digest."""


def one_line(value: Any, limit: int | None = None) -> str:
    """``value`` as one line of plain text: no control characters, runs of whitespace collapsed,
    cut at ``limit`` characters with an ellipsis."""
    text = "" if value is None else str(value)
    # the common case, checked in C: nothing to replace (isprintable is false for every
    # character _UNSAFE matches, and for line breaks and tabs)
    if not (text.isprintable() and "  " not in text and text.strip() == text):
        text = _SPACES.sub(" ", _UNSAFE.sub(" ", text)).strip()
    return clip(text, limit) if limit else text


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return one_line("; ".join(_value(v) for v in value), VALUE_LIMIT)
    if isinstance(value, dict):
        return one_line(json.dumps(value, ensure_ascii=False, sort_keys=True), VALUE_LIMIT)
    return one_line(value, VALUE_LIMIT)


#: an absolute http(s) URL; quotes, angle brackets, backticks and spaces are percent-encoded in
#: real URLs, so a URL that has them is shown as text, never made a link.  No user info either:
#: ``https://www.govinfo.gov@evil.example/`` would be labelled with the wrong host.
_HTTP_URL = re.compile(
    r"https?://([^\s/?#@:<>\"'`]+)(?=[/?#:]|\Z)(?::\d+)?(?:[/?#][^\s<>\"'`]*)?\Z", re.IGNORECASE
)


def _link(url: Any) -> View | None:
    """A link only for an absolute http(s) URL without spaces or control characters."""
    if not isinstance(url, str) or _UNSAFE.search(url):
        return None
    found = _HTTP_URL.match(url)
    return View(href=url, host=found.group(1).lower()) if found else None


def _score(score: float) -> str:
    """``0.93`` on a 0–1 scale; ``96.5`` on a 0–100 one (the matcher decides the scale)."""
    if abs(score) <= 1:
        return f"{score:.2f}"
    return f"{score:.1f}".removesuffix(".0")


def source_name(source: str) -> str:
    return SOURCE_NAMES.get(source, source.replace("_", " ").title())


def change_label(stored: StoredEvent) -> str:
    """What happened, in words: ``Added to the Entity List (EL)``, ``Published``, …"""
    event = stored.event
    kind = str(event.kind)
    target = LIST_NAMES.get(event.list_code or "", one_line(event.list_code) or None)
    if kind == "entity.added":
        label = f"Added to {target}" if target else "Added to a list"
    elif kind == "entity.revised":
        label = f"Entry revised on {target}" if target else "Entry revised"
    elif kind == "entity.removed":
        label = f"Removed from {target}" if target else "Removed from a list"
    elif kind == "list.revised":
        label = f"New edition of {target}" if target else "List revised"
    elif kind == "document.corrected":
        label = "Correction published"
    elif kind == "document.withdrawn":
        label = "Withdrawn"
    elif kind == "release.published":
        label = "Release published"
    elif kind in _FINDING_LABELS:
        label = f"{_FINDING_LABELS[kind]}: {target}" if target else _FINDING_LABELS[kind]
    else:
        label = "Published"
    if stored.revision > 1 and kind != "entity.revised" and not kind.startswith("listing."):
        label += f", then revised (version {stored.revision})"
    return label


def _headline(stored: StoredEvent) -> str:
    event = stored.event
    name = event.entity.name if event.entity else None
    return one_line(name or event.title, TITLE_LIMIT) or "(untitled)"


def _explanation(explanation: Mapping[str, Any]) -> tuple[str | None, list[tuple[str, str]]]:
    summary = explanation.get("summary")
    if isinstance(summary, str) and summary.strip():
        return one_line(summary, VALUE_LIMIT), []
    details = [(one_line(k, 60), _value(v)) for k, v in list(explanation.items())[:MAX_DETAILS]]
    return None, details


def _reason(reason: Reason, event_kind: str, source: str) -> View:
    summary, details = _explanation(reason.explanation)
    override = parse_override(reason.spec)
    return View(
        **{
            "severity_why": why_severity(reason.watch_kind, event_kind, reason.tier, override),
            "lang": lang_of(summary, source),
            "match_id": reason.match_id,
            "tier": reason.tier,
            "tier_label": reason.tier.upper(),
            "watch": f"{one_line(reason.watch_kind, 20)} “{one_line(reason.watch_value, 200)}”",
            "field": one_line(reason.field, 80),
            "score": _score(reason.score),
            "status": reason.status,
            "summary": summary,
            "details": details,
        }
    )


def _side(values: Sequence[str]) -> tuple[list[str], int]:
    shown = [one_line(v, 200) or "(blank)" for v in values[:MAX_CHANGED_VALUES]]
    return shown, max(0, len(values) - MAX_CHANGED_VALUES)


def _changes(changes: Mapping[str, Any] | None) -> tuple[list[View], int]:
    """Each changed field with what was removed and what was added (see ``_words``)."""
    if not changes:
        return [], 0
    rows = []
    for change in field_changes(changes)[:MAX_CHANGES]:
        removed, more_removed = _side(change.removed)
        added, more_added = _side(change.added)
        rows.append(
            View(
                field=one_line(change.field, 80),
                words=one_line(change.words, 80),
                removed=removed,
                more_removed=more_removed,
                added=added,
                more_added=more_added,
            )
        )
    return rows, max(0, len(changes) - MAX_CHANGES)


def _event_view(stored: StoredEvent) -> View:
    """Everything an item shows about its event (the same in every digest that lists it)."""
    event = stored.event
    entity = event.entity
    changes, more_changes = _changes(event.changes)
    published, effective = event.published_on, event.effective_on
    note = None
    if published and effective and effective < published:
        note = "took effect before it was published"
    number = one_line(event.document_number) or None
    if number and event.source == "federal_register":
        number = f"FR Doc. {number}"
    headline = _headline(stored)
    title_en = one_line(event.data.get("title_en"), TITLE_LIMIT) or None
    summary = one_line(event.summary, SUMMARY_LIMIT) or None
    return View(
        **{
            "event_id": stored.id,
            "anchor": f"item-{stored.id}",
            "lang": lang_of(headline, event.source),
            "title_en": title_en if title_en != headline else None,
            "summary_lang": lang_of(summary, event.source),
            "published_words": human_date(published) if published else None,
            "effective_words": human_date(effective) if effective else None,
            "change": change_label(stored),
            "headline": headline,
            "document": one_line(event.title, TITLE_LIMIT) if entity else None,
            "summary": summary,
            "entity": View(
                **{
                    "aliases": one_line("; ".join(entity.aliases), VALUE_LIMIT) or None,
                    "addresses": [one_line(a, 200) for a in entity.addresses[:3]],
                    "more_addresses": max(0, len(entity.addresses) - 3),
                }
            )
            if entity
            else None,
            "country": one_line(event.country, 10) or None,
            "list": one_line(event.list_code, 20) or None,
            "changes": changes,
            "more_changes": more_changes,
            "published": published.isoformat() if published else None,
            "effective": effective.isoformat() if effective else None,
            "effective_note": note,
            "citation": one_line(event.citation, 100) or None,
            "document_number": number,
            "source_link": _link(event.url),
            "pdf_link": _link(event.data.get("pdf_url")),
            "views": one_line(event.data.get("views"), SUMMARY_LIMIT) or None,
            "extraction_note": _extraction_note(event.data.get("extraction")),
        }
    )


def _extraction_note(extraction: Any) -> str | None:
    """What regwatch could not read of a rule's entity changes, in words (never a silent
    success: a rule read in part says so on its line)."""
    if not isinstance(extraction, Mapping):
        return None
    note = describe_extraction(extraction)
    return one_line(note, SUMMARY_LIMIT) if note else None


def _item(item: Item, views: dict[int, View] | None) -> View:
    stored = item.event
    event_view = views.get(stored.id) if views is not None else None
    if event_view is None:
        event_view = _event_view(stored)
        # the event's part of an item is the same in every digest that lists it: rendered
        # and its CSS inlined once per run here (an event matched by a thousand companies is
        # in a thousand digests), then placed in each digest as it is (see render())
        event_view.event_html = Markup(f"<!--regwatch-event-{stored.id}-->")
        event_view.event_html_inlined = _inlined("digest_event.html", event_view)
        #: the item's first line, by level (the same event is critical to one company and
        #: info to another)
        event_view.heads = {}
        event_view.event_text = (
            _TEXT.get_template("digest_event.txt").render(item=event_view).removesuffix("\n")
        )
        if views is not None:
            views[stored.id] = event_view
    severity = item.severity
    words = one_line(sentence(item), TITLE_LIMIT)
    kind, source = str(stored.event.kind), stored.event.source
    view = View(
        **vars(event_view),
        tier=item.tier,
        tier_label=item.tier.upper(),
        severity=severity.value,
        severity_label=severity.value.upper(),
        mark=severity.mark,
        sentence=words,
        sentence_lang=lang_of(words, source),
        source_name=source_name(source),
        reasons=[_reason(r, kind, source) for r in item.reasons],
        # the same party added to other lists the same day: one item names every listing
        also=[
            View(
                change=change_label(other),
                source=source_name(other.event.source),
                name=_headline(other),
                link=_link(other.event.url),
            )
            for other in item.also
        ],
    )
    view.head_html = Markup(f"<!--regwatch-head-{stored.id}-{severity.value}-->")
    head = event_view.heads.get(severity)
    if head is None:
        head = event_view.heads[severity] = _inlined("digest_head.html", view)
    view.head_html_inlined = head
    return view


def _inlined(template: str, item: View) -> str:
    """A part of an item that is the same in every digest listing it, with its CSS inlined."""
    html = _HTML.get_template(template).render(item=item).removesuffix("\n")
    return _FRAGMENTS.inline_fragment(html, _CSS)


def _sections(
    items: Sequence[Item], views: dict[int, View] | None, collapse_info: bool
) -> list[View]:
    """The listed items by severity, most severe first (each in rank order)."""
    by_level: dict[Severity, list[View]] = {level: [] for level in LEVELS}
    for item in items:
        by_level[item.severity].append(_item(item, views))
    return [
        View(
            level=level.value,
            title=SEVERITY_TITLES[level],
            entries=entries,
            collapsed=collapse_info and level is Severity.INFO,
        )
        for level, entries in by_level.items()
        if entries
    ]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def severity_counts(digest: Digest) -> str:
    """``1 critical, 2 high, 4 info`` (levels with no item left out; ``nothing new``)."""
    parts = [f"{n} {level.value}" for level in LEVELS if (n := digest.count(level))]
    return ", ".join(parts) or "nothing new"


def subject_line(digest: Digest) -> str:
    """``[regwatch] Acme Corp: 1 critical, 2 high, 4 info — Your customer X was added…``"""
    company = one_line(digest.recipient.company, SUBJECT_COMPANY_LIMIT)
    if not digest.items:
        return f"[regwatch] {company}: nothing new"
    top = digest.items[0]
    headline = one_line(sentence(top, short=True), SUBJECT_HEADLINE_LIMIT)
    return f"[regwatch] {company}: {severity_counts(digest)} — {headline}"


def digest_context(
    digest: Digest,
    delivery: Mapping[str, Any] | None = None,
    views: dict[int, View] | None = None,
    unsubscribe: str | None = None,
) -> dict[str, Any]:
    """Everything the templates show, as plain, already cleaned values.

    :param views: event views by event id, shared by the digests of one run (of one store), so
        that an event listed in a thousand digests is prepared once.
    """
    person = digest.recipient
    company = one_line(person.company, 200)
    alerts = digest.alerts
    sections = _sections(digest.listed, views, person.info == "collapse")
    return {
        "subject": subject_line(digest),
        "severity_counts": severity_counts(digest),
        "summary": [entry for section in sections for entry in section.entries],
        "sections": sections,
        "info_setting": person.info,
        "company": company,
        "recipient": one_line(person.email, 200),
        "preview_all": person.id is None,
        "title": one_line(digest.title, 200),
        "schedule": one_line(person.schedule(), 200),
        "scope": one_line(person.scope(), 300),
        "counts": View(
            **{
                "total": len(digest.items),
                "critical": digest.count(Severity.CRITICAL),
                "high": digest.count(Severity.HIGH),
                "info": digest.count(Severity.INFO),
                "alerts": alerts,
                "reviews": len(digest.items) - alerts,
                "listed": digest.shown,
                "more": digest.more,
                "matches": len(digest.match_ids),
            }
        ),
        "more_command": f"regwatch matches --company {shlex.quote(company)}",
        "delivery": View(**delivery) if delivery else None,
        "unsubscribe": unsubscribe if unsubscribe and _safe_link(unsubscribe) else None,
    }


def _safe_link(url: str) -> bool:
    return _link(url) is not None or (url.startswith("mailto:") and not _UNSAFE.search(url))


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _environment(autoescape: bool) -> Environment:
    return Environment(
        loader=PackageLoader("regwatch", "templates"),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


_HTML = _environment(autoescape=True)
_TEXT = _environment(autoescape=False)
#: remote stylesheets are never fetched (a template could be edited to link one)
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)
#: the events' parts are inlined on their own, with the digest's stylesheet: its rules match
#: within an event's part alone (no rule there depends on what surrounds it), and the at-rules
#: stay in the digest's head
_FRAGMENTS = css_inline.CSSInliner(load_remote_stylesheets=False)
_CSS = "".join(
    re.findall(
        r"<style>(.*?)</style>",
        (files("regwatch") / "templates" / "digest.html").read_text(encoding="utf-8"),
        re.S,
    )
)
#: where an item's shared parts go in the digest while the rest of it is inlined: comments,
#: which nothing from a source can make (its text is escaped) and the inliner keeps as they are
_SHARED_MARKS = re.compile(r"<!--regwatch-(?:event|head)-[a-z0-9-]+-->")


def render(
    digest: Digest,
    delivery: Mapping[str, Any] | None = None,
    views: dict[int, View] | None = None,
    unsubscribe: str | None = None,
) -> Rendered:
    """The digest's subject, plain text and HTML (with its CSS inlined); ``views`` as for
    :func:`digest_context`; ``unsubscribe``: the link the footer offers."""
    context = digest_context(digest, delivery, views, unsubscribe)
    parts: dict[str, str] = {}
    for section in context["sections"]:
        if not section.collapsed:
            for entry in section.entries:
                parts[entry.event_html] = entry.event_html_inlined
                parts[entry.head_html] = entry.head_html_inlined
    html = _INLINER.inline(_HTML.get_template("digest.html").render(context))
    html = _SHARED_MARKS.sub(lambda found: parts[found.group(0)], html)
    text = _TEXT.get_template("digest.txt").render(context)
    return Rendered(context["subject"], text, html)
