"""China's MOFCOM lists rebuilt from their notices (公告): pure.

China publishes no structured Unreliable Entity List (不可靠实体清单, list ``CN-UEL``) or Export
Control Control List (出口管制管控名单, list ``CN-ECL``); each list is the sum of its notices:

- a notice adds parties (``决定将…列入不可靠实体清单``), naming them in its text or in an annex
  (``附件`` / ``附``) as ``1. 中文名（English name）``, with branches as ``-Name`` lines;
- a later notice or a spokesperson's answer (答记者问) suspends an earlier notice's measures for
  a time (``暂停4月4日公告（不可靠实体清单工作机制〔2025〕7号）相关措施90天``), or stops them
  (``停止…相关措施``), which takes the parties off the list; a notice can also remove parties by
  name (``移出``);
- an investigation notice (``启动调查``) lists nobody.

A notice is identified by its number (``不可靠实体清单工作机制〔2025〕10号`` → ``UEL-2025-10``,
``商务部公告2026年第11号`` → ``MOFCOM-2026-11``; an answer without a number by its date and
title), never by its URL: MOFCOM serves one notice under several URLs.  :func:`rebuild` replays
the notices in date order into each list's current parties.  A notice whose text announces a
count (``等10家``, ``上述20家``) must yield that many parties, or it is refused as truncated.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from ..exceptions import IncompleteTable, InputError
from ..japanese import decode, kanji_number, name_key, normalize
from ._party import party as list_record
from ._snapshot import ListRecord

__all__ = [
    "LISTS",
    "Action",
    "Measure",
    "Notice",
    "NoticeParty",
    "Replay",
    "notice_text",
    "parse_notice",
    "party_key",
    "rebuild",
]

#: list code → how the notices name the list
LISTS = {"CN-UEL": "不可靠实体清单", "CN-ECL": "出口管制管控名单"}


class Action(StrEnum):
    ADDED = "added"
    SUSPENDED = "suspended"
    REMOVED = "removed"


@dataclass(frozen=True)
class NoticeParty:
    """A party as a notice names it: the Chinese name, the English form where given."""

    name_zh: str
    name_en: str | None = None
    #: branches or subsidiaries listed under it (``-TechInsights Japan KK``)
    branches: tuple[str, ...] = ()

    @property
    def key_name(self) -> str:
        return name_key(self.name_en or self.name_zh)


@dataclass(frozen=True)
class Measure:
    """One thing a notice does to a list."""

    action: Action
    list_code: str
    parties: tuple[NoticeParty, ...] = ()
    #: the earlier notices whose measures this suspends or stops (by notice id)
    targets: tuple[str, ...] = ()
    starts_on: date | None = None
    #: the end of a suspension, when the notice gives its length
    until: date | None = None


@dataclass(frozen=True)
class Notice:
    notice_id: str
    number: str
    title: str
    published_on: date
    url: str
    country: str | None = None
    measures: tuple[Measure, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "notice_id": self.notice_id,
            "number": self.number,
            "title": self.title,
            "published_on": self.published_on.isoformat(),
            "url": self.url,
            "country": self.country,
            "measures": [
                {
                    "action": str(m.action),
                    "list_code": m.list_code,
                    "parties": [
                        {"name_zh": p.name_zh, "name_en": p.name_en, "branches": list(p.branches)}
                        for p in m.parties
                    ],
                    "targets": list(m.targets),
                    "starts_on": m.starts_on.isoformat() if m.starts_on else None,
                    "until": m.until.isoformat() if m.until else None,
                }
                for m in self.measures
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Notice:
        def day(value: Any) -> date | None:
            return date.fromisoformat(value) if value else None

        return cls(
            notice_id=data["notice_id"],
            number=data["number"],
            title=data["title"],
            published_on=date.fromisoformat(data["published_on"]),
            url=data["url"],
            country=data.get("country"),
            measures=tuple(
                Measure(
                    action=Action(m["action"]),
                    list_code=m["list_code"],
                    parties=tuple(
                        NoticeParty(p["name_zh"], p.get("name_en"), tuple(p.get("branches") or ()))
                        for p in m["parties"]
                    ),
                    targets=tuple(m.get("targets") or ()),
                    starts_on=day(m.get("starts_on")),
                    until=day(m.get("until")),
                )
                for m in data.get("measures") or ()
            ),
        )


# -- text -------------------------------------------------------------------------------------

_UEL_NUMBER = re.compile(
    r"不可靠实体清单工作机制(?:公告)?\s*[〔［\[(（]\s*(\d{4})\s*[〕］\])）]\s*(\d+)\s*号"
)
_MOFCOM_NUMBER = re.compile(r"商务部公告\s*(\d{4})\s*年\s*第\s*(\d+)\s*号")
_CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_ANNEX_ITEM = re.compile(r"^\s*(\d{1,3})\s*[.．、]\s*(\S.*)$")
_BRANCH = re.compile(r"^\s*[-－—–]\s*(\S.*)$")
_PAREN = re.compile(r"^(.*?)\s*[（(]\s*(.+?)\s*[）)]\s*(.*)$")
_INLINE = re.compile(
    r"决定(?:于\S+?日)?(?:将|对)(.+?)(?:等(?:\S{1,4})家\S{0,6}?)?(?:列入|移出|采取)"
)
_COUNT = re.compile(r"(?:等|上述|将)\s*([0-9一二三四五六七八九十两]+)\s*家")
_QUALIFIER = re.compile(r"^(?:参与\S*?的|涉\S*?的)")
_SUSPEND_OR_STOP = re.compile(
    r"(继续)?(暂停|停止)([^，。；]*?)相关措施\s*(\d+|[一二三四五六七八九十两半]+)?\s*(天|日|个月|年)?"
)
_FROM = re.compile(r"自\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*起")
_REF = re.compile(r"[〔［\[]\s*(\d{4})\s*[〕］\]]\s*(\d+)\s*号((?:\s*[和、及]\s*\d+\s*号)*)")
_REF_MORE = re.compile(r"(\d+)\s*号")
#: a Chinese name part that ends a party's name (a segment ending otherwise runs on after 、)
_NAME_ENDS = (
    *("公司", "集团", "机构", "实验室", "大学", "学院", "研究所", "研究院", "中心", "论坛"),
    *("株式会社", "企业", "联盟", "协会", "基金会", "组织", "部", "局", "署", "办公室"),
)
_COUNTRIES = (("美国", "US"), ("日本", "JP"), ("台湾地区实体", "TW"), ("加拿大", "CA"))


def notice_text(body: bytes, content_type: str | None, url: str) -> str:
    """The notice as text: an HTML page's visible text, its heading first (so that a menu's
    "通知公告" is never taken for the title), or the body itself."""
    text = decode(body, content_type, where=url).text
    head = text[:2000].lower()
    if "<html" in head or "<body" in head or "<div" in head or "<p" in head:
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(text, "lxml")
        for tag in soup(["script", "style", "noscript", "nav", "header", "footer"]):
            tag.decompose()
        heading = soup.find("h1") or soup.find("title")
        title = " ".join(heading.get_text(" ").split()) if heading else ""
        text = (title + "\n" if title else "") + soup.get_text("\n")
    return text.replace("\u3000", " ").replace("\xa0", " ")


def _day(match: re.Match[str] | None) -> date | None:
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _count(text: str) -> int:
    return 2 if text == "两" else kanji_number(text)


def _split_party(text: str) -> NoticeParty | None:
    text = normalize(_QUALIFIER.sub("", text.strip())).strip(" ，,。；;")
    if not text:
        return None
    match = _PAREN.match(text)
    if match and not match[3].strip(" 。；;，,"):
        zh, en = match[1].strip(), match[2].strip().lstrip("\u200c")
        return NoticeParty(zh or en, en or None)
    if match and match[3].startswith("及其"):  # TechInsights公司（TechInsights Inc.）及其分支机构
        return NoticeParty(match[1].strip(), match[2].strip(), ())
    return NoticeParty(text, None)


def _inline_parties(sentence: str) -> list[NoticeParty]:
    """Parties named in the decision sentence: ``A公司（A Inc.）、B公司（B）和C公司（C）``."""
    segments: list[str] = []
    depth = 0
    current = ""
    for index, char in enumerate(sentence):
        if char in "（(":
            depth += 1
        elif char in "）)":
            depth = max(0, depth - 1)
        after_paren = index > 0 and sentence[index - 1] in "）)"
        if depth == 0 and (char == "、" or (char == "和" and after_paren)):
            segments.append(current)
            current = ""
            continue
        current += char
    segments.append(current)
    merged: list[str] = []
    for segment in segments:
        # "波音防务、空间与安全集团（…）": a segment that does not end a name runs on
        if (
            merged
            and not _ends_name(merged[-1])
            and "（" not in merged[-1]
            and "(" not in merged[-1]
        ):
            merged[-1] += "、" + segment
        else:
            merged.append(segment)
    return [p for p in (_split_party(s) for s in merged) if p]


def _ends_name(segment: str) -> bool:
    plain = segment.strip()
    return plain.endswith(_NAME_ENDS) or bool(re.search(r"[A-Za-z0-9]$", plain))


def _annex_parties(lines: Sequence[str]) -> list[NoticeParty]:
    """``1. 中文名（English）`` lines after the annex heading, with ``-Branch`` lines."""
    start = None
    for index, line in enumerate(lines):
        if line.strip() in ("附件", "附") or re.match(r"^\s*附件?\s*$", line):
            start = index + 1
    if start is None:
        return []
    parties: list[NoticeParty] = []
    for line in lines[start:]:
        item = _ANNEX_ITEM.match(line)
        branch = _BRANCH.match(line)
        if item:
            party = _split_party(item[2])
            if party:
                parties.append(party)
        elif branch and parties:
            last = parties[-1]
            parties[-1] = NoticeParty(
                last.name_zh, last.name_en, (*last.branches, normalize(branch[1]))
            )
    return parties


def _notice_id(text: str, title: str, published_on: date) -> tuple[str, str]:
    # the number field, else the title; a spokesperson's answer quotes other notices' numbers
    field_line = re.search(r"发布文号】([^\n【]+)", text)
    if field_line is None and ("答记者问" in title or "新闻发言人" in title):
        # two answers the same day are two notices; one answer at two URLs has one title
        digest = hashlib.sha256("".join(title.split()).encode()).hexdigest()[:8]
        return (
            f"MOFCOM-QA-{published_on.isoformat()}-{digest}",
            f"商务部新闻发言人答记者问 {published_on}",
        )
    text = field_line[1] if field_line else text
    match = _UEL_NUMBER.search(text)
    if match:
        return f"UEL-{match[1]}-{int(match[2])}", match[0]
    match = _MOFCOM_NUMBER.search(text)
    if match:
        return f"MOFCOM-{match[1]}-{int(match[2])}", match[0]
    raise InputError(
        "no notice number (不可靠实体清单工作机制〔YYYY〕N号 or 商务部公告YYYY年第N号)"
    )


def _list_of(text: str) -> str | None:
    for code, words in LISTS.items():
        if words in text:
            return code
    return None


def _suspensions(text: str, published_on: date) -> list[Measure]:
    """``暂停…（…〔2025〕7号）相关措施90天`` and ``停止…（…〔2025〕5号和6号）相关措施``."""
    measures: list[Measure] = []
    for sentence in re.split(r"[。]", text):
        starts = _day(_FROM.search(sentence)) or published_on
        for match in _SUSPEND_OR_STOP.finditer(sentence):
            targets: list[str] = []
            for ref in _REF.finditer(match[3]):
                targets.append(f"UEL-{ref[1]}-{int(ref[2])}")
                targets += [f"UEL-{ref[1]}-{int(n)}" for n in _REF_MORE.findall(ref[3] or "")]
            if not targets:
                continue
            action = Action.SUSPENDED if match[2] == "暂停" else Action.REMOVED
            until = None
            if action == Action.SUSPENDED and match[4]:
                amount = 0.5 if match[4] == "半" else _count(match[4])
                unit = match[5] or "天"
                days = amount * (365 if unit == "年" else 30 if unit == "个月" else 1)
                until = starts + timedelta(days=int(days))
            list_code = _list_of(match[3]) or "CN-UEL"
            measures.append(
                Measure(action, list_code, targets=tuple(targets), starts_on=starts, until=until)
            )
    return measures


def parse_notice(text: str, url: str) -> Notice:
    """One notice, from its text.

    :raises InputError: when the text is not a MOFCOM list notice (no number, no list).
    :raises IncompleteTable: when the notice announces more parties than could be read.
    """
    lines = [ln.rstrip() for ln in text.splitlines()]
    nonblank = [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("http")]
    flat = normalize(text)
    # the title: the first substantial line naming a notice or an answer (not a menu entry)
    title = next(
        (
            ln
            for ln in nonblank[:40]
            if ("公告" in ln or "答记者问" in ln) and len(ln) >= 10 and not ln.startswith("来源")
        ),
        nonblank[0] if nonblank else "",
    )
    field_date = re.search(r"发文日期】\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", flat)
    published_on = (
        _day(field_date) or _day(_ISO_DATE.search(flat[:400])) or _day(_CN_DATE.search(flat))
    )
    if published_on is None:
        raise InputError(f"{url}: no date (【发文日期】, a byline date or a signature date)")
    try:
        notice_id, number = _notice_id("\n".join(nonblank), title, published_on)
    except InputError as exc:
        raise InputError(f"{url}: {exc}") from None
    list_code = _list_of(number) or _list_of(title) or _list_of(flat)
    if list_code is None:
        raise InputError(f"{url}: names neither 不可靠实体清单 nor 出口管制管控名单")
    measures: list[Measure] = _suspensions(flat, published_on)
    decision = _INLINE.search(flat)
    where = title + (decision[0] if decision else "")
    country = next((code for word, code in _COUNTRIES if word in where), None)
    investigation = "启动" in title and "调查" in title
    if not investigation and (decision or "列入" in title or "移出" in title):
        action = Action.REMOVED if "移出" in (decision[0] if decision else title) else Action.ADDED
        parties = _annex_parties(lines) or (_inline_parties(decision[1]) if decision else [])
        # the count of a title that lists ("将…等10家…列入"); a title that "takes measures
        # against three companies" may warn one of them without listing it (〔2024〕1号)
        listing_title = "列入" in title or "移出" in title
        announced = (_COUNT.search(title) if listing_title else None) or (
            _COUNT.search(decision[0]) if decision else None
        )
        expected = _count(announced[1]) if announced else None
        if expected is not None and expected != len(parties):
            raise IncompleteTable(
                f"{url}: notice {number} announces {expected} parties but {len(parties)} could "
                "be read; nothing of it was stored (a truncated page or attachment?)",
                lost=[f"{expected - len(parties)} of {expected} parties"],
                url=url,
            )
        if not parties:
            raise IncompleteTable(
                f"{url}: notice {number} {action} parties but names none that could be read",
                lost=["all parties"],
                url=url,
            )
        measures.insert(0, Measure(action, list_code, tuple(parties), starts_on=published_on))
    if not measures and notice_id.startswith("MOFCOM-QA-"):
        raise InputError(f"{url}: a spokesperson's answer that changes no list")
    return Notice(
        notice_id=notice_id,
        number=number,
        title=title,
        published_on=published_on,
        url=url,
        country=country,
        measures=tuple(measures),
    )


# -- state ------------------------------------------------------------------------------------


@dataclass
class _State:
    party: NoticeParty
    list_code: str
    country: str | None
    added_by: Notice
    status: str = "in force"
    suspended_by: str | None = None
    suspended_until: date | None = None
    history: list[str] = field(default_factory=list)


def party_key(list_code: str, party: NoticeParty) -> str:
    return f"{list_code.lower()}:{party.key_name}"


@dataclass
class Replay:
    """The lists as the notices leave them."""

    lists: dict[str, list[ListRecord]]
    warnings: list[str]
    #: party key → the number of the notice that took it off its list
    removed_by: dict[str, str]


def rebuild(notices: Iterable[Notice]) -> Replay:
    """Each list's parties as the notices leave them, replayed oldest first.

    A suspended party stays listed with ``status: suspended`` and the date the suspension ends;
    stopped or removed parties leave the list.  The warnings name a suspension of a notice never
    read and a removal of a party not listed.
    """
    ordered = sorted(
        {n.notice_id: n for n in notices}.values(), key=lambda n: (n.published_on, n.notice_id)
    )
    by_notice: dict[str, list[str]] = {}
    state: dict[str, _State] = {}
    warnings: list[str] = []
    removed_by: dict[str, str] = {}
    for notice in ordered:
        for measure in notice.measures:
            if measure.action == Action.ADDED:
                keys = by_notice.setdefault(notice.notice_id, [])
                for party in measure.parties:
                    key = party_key(measure.list_code, party)
                    keys.append(key)
                    removed_by.pop(key, None)
                    state[key] = _State(party, measure.list_code, notice.country, notice)
                    state[key].history.append(f"{notice.published_on} added by {notice.number}")
                continue
            if measure.parties:  # removed by name
                for party in measure.parties:
                    key = party_key(measure.list_code, party)
                    removed_by[key] = notice.number
                    if state.pop(key, None) is None:
                        warnings.append(
                            f"{notice.number} removes {party.name_zh}, which is not listed"
                        )
                continue
            for target in measure.targets:
                if target not in by_notice:
                    warnings.append(
                        f"{notice.number} ({notice.published_on}) {measure.action} the measures "
                        f"of notice {target}, which regwatch has not read"
                    )
                    continue
                for key in by_notice[target]:
                    current = state.get(key)
                    if current is None:
                        continue
                    if measure.action == Action.REMOVED:
                        del state[key]
                        removed_by[key] = notice.number
                    else:
                        current.status = "suspended"
                        current.suspended_by = notice.number
                        current.suspended_until = measure.until
                        current.history.append(
                            f"{measure.starts_on or notice.published_on} measures suspended by "
                            f"{notice.number}"
                            + (f" until {measure.until}" if measure.until else "")
                        )
    out: dict[str, list[ListRecord]] = {code: [] for code in LISTS}
    for key, current in sorted(state.items()):
        party = current.party
        aliases = [party.name_zh] if party.name_en else []
        aliases += list(party.branches)
        details: dict[str, Any] = {
            "name_zh": party.name_zh,
            "notice": current.added_by.number,
            "notice_url": current.added_by.url,
            "status": current.status,
        }
        if party.name_en:
            details["name_en"] = party.name_en
        if current.suspended_by:
            details["suspended_by"] = current.suspended_by
            if current.suspended_until:
                details["suspended_until"] = current.suspended_until.isoformat()
        out.setdefault(current.list_code, []).append(
            list_record(
                key,
                current.list_code,
                party.name_en or party.name_zh,
                aliases=tuple(aliases),
                country=current.country,
                details=details,
                listed_on=current.added_by.published_on,
                url=current.added_by.url,
            )
        )
    return Replay(out, warnings, removed_by)
