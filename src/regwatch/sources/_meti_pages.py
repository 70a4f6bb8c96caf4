"""METI's pages and feed, read into plain records.  Pure: bytes in, records out.

- the Atom feed ``ml_index_release_atom.xml`` through feedparser, always on a ``BytesIO`` so
  that feedparser never fetches a URL or opens a file named by the payload;
- the press listings (``press/index.html``, ``press/archive_YYYYMM.html``,
  ``press/category_02.html``) and the anpo pages through BeautifulSoup on bytes, with the
  encoding chosen by :func:`regwatch.japanese.decode`.

A release is identified by the 11-digit id in its URL, ``/press/{FY}/{MM}/{YYYYMMDDNNN}/…``:
the path's year is the *fiscal* year (``press/2025/03/20260331013`` is 31 March 2026), so the
date always comes from the id.
"""

from __future__ import annotations

import calendar
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

import feedparser
from bs4 import BeautifulSoup, Tag

from ..exceptions import JapaneseDateError, ParseError
from ..japanese import decode, find_dates, normalize, parse_date, resolve_link
from ._base import Payload

__all__ = [
    "AnpoPage",
    "AnpoRow",
    "EditionLink",
    "Release",
    "ReleasePage",
    "looks_like_html",
    "parse_anpo_page",
    "parse_eul_page",
    "parse_feed",
    "parse_listing",
    "parse_release_page",
    "release_id",
]

JST = timezone(timedelta(hours=9))
#: links on METI pages may point anywhere under these hosts
HOSTS = ("meti.go.jp",)
_RELEASE_URL = re.compile(
    r"/press/(?P<fy>\d{4})/(?P<mm>\d{2})/(?P<id>\d{11})/(?P=id)(?:_\d+)?\.html?$"
)
_EDITION_PDF = re.compile(r"(?<!\d)(?P<date>20\d{6})(?:\d{3})?[_\-]?\d*\.pdf$", re.I)
_ANNOUNCED = re.compile(
    r"合計\s*(?P<countries>\d+)\s*[かヵカケヶ]国・地域の\s*(?P<total>\d+)\s*[(（]\s*"
    r"(?P<change>\d+)\s*(?P<dir>増|減)"
)
_APPLIED = re.compile(r"(?P<date>令和\S{1,12}?日)\D{0,12}?(?:から)?適用")


def release_id(url: str) -> tuple[str, date] | None:
    """``(id, date)`` for a press-release URL, ``None`` for anything else."""
    match = _RELEASE_URL.search(url.split("?")[0].split("#")[0])
    if not match:
        return None
    rid = match["id"]
    try:
        return rid, date(int(rid[:4]), int(rid[4:6]), int(rid[6:8]))
    except ValueError:
        return None


@dataclass(frozen=True)
class Release:
    """One release as a feed entry or a listing link shows it."""

    id: str | None
    url: str
    title: str
    published_on: date
    summary: str | None = None


@dataclass(frozen=True)
class AnpoRow:
    """A row of the 新着情報 table of the security export control page."""

    published_on: date
    category: str
    text: str
    url: str | None


@dataclass(frozen=True)
class AnpoPage:
    rows: list[AnpoRow]
    last_updated: date | None


@dataclass(frozen=True)
class EditionLink:
    """An End User List edition found on METI's page: its date and PDF link(s)."""

    edition: date
    pdf_urls: tuple[str, ...]
    effective_on: date | None = None


@dataclass(frozen=True)
class ReleasePage:
    """What the release announcing an edition says about it."""

    release_id: str
    published_on: date
    title: str
    pdf_urls: tuple[str, ...] = ()
    effective_on: date | None = None
    announced: dict[str, int] = field(default_factory=dict)


def looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head


def _soup(payload: Payload) -> BeautifulSoup:
    decoded = decode(payload.body, payload.content_type, where=payload.url)
    # bytes plus the encoding we chose: bs4's own sniffing never second-guesses it
    return BeautifulSoup(payload.body, "lxml", from_encoding=decoded.encoding)


def _text(node: Tag | str | None) -> str:
    if node is None:
        return ""
    raw = node if isinstance(node, str) else node.get_text(" ")
    return " ".join(raw.split())


# -- the Atom feed --------------------------------------------------------------------------


def parse_feed(payload: Payload) -> list[Release]:
    """Entries of the Atom feed.  Entries have no ``<id>``: the link identifies them."""
    feed = feedparser.parse(
        io.BytesIO(payload.body),
        response_headers={
            "content-type": payload.content_type or "application/atom+xml",
            "content-location": payload.url,
        },
    )
    if not feed.entries and not feed.get("version"):
        kind = "an HTML page" if looks_like_html(payload.body) else "not a feed"
        raise ParseError(f"{payload.url}: {kind}, not METI's Atom feed", url=payload.url)
    releases = []
    for entry in feed.entries:
        link = entry.get("link") or next(
            (x.get("href") for x in entry.get("links", []) if x.get("href")), None
        )
        title = " ".join(str(entry.get("title") or "").split())
        # a link off METI's site is ignored, as on the pages: it is never fetched nor reported
        link = resolve_link(payload.url, str(link), hosts=HOSTS) if link else None
        if not link or not title:
            continue
        summary = entry.get("summary")
        if summary and "<" in summary:  # feedparser hands back sanitized HTML
            summary = _text(BeautifulSoup(summary, "lxml"))
        summary = " ".join(summary.split()) if summary else None
        ident = release_id(link)
        if ident:
            rid, published = ident
        else:
            stamp = entry.get("updated_parsed") or entry.get("published_parsed")
            if stamp is None:
                continue  # neither an id nor a date: nothing to key or date it by
            moment = datetime.fromtimestamp(calendar.timegm(stamp), UTC)
            rid, published = None, moment.astimezone(JST).date()
        releases.append(Release(rid, link, title, published, summary))
    return releases


# -- listings -------------------------------------------------------------------------------


def parse_listing(payload: Payload) -> list[Release]:
    """Every link to a press release on a listing page, once, in page order."""
    soup = _soup(payload)
    found: dict[str, Release] = {}
    for anchor in soup.find_all("a", href=True):
        url = resolve_link(payload.url, str(anchor["href"]), hosts=HOSTS)
        ident = release_id(url) if url else None
        title = _text(anchor)
        if not ident or not title or ident[0] in found:
            continue
        assert url is not None
        found[ident[0]] = Release(ident[0], url, title, ident[1])
    if not found:
        raise ParseError(
            f"{payload.url}: no links to press releases; the page layout changed?", url=payload.url
        )
    return list(found.values())


# -- the security export control page (policy/anpo/) ----------------------------------------


def _last_updated(soup: BeautifulSoup, where: str) -> date | None:
    box = soup.find(id="__rdo_update")
    texts = [_text(box)] if box else []
    texts += [str(s) for s in soup.find_all(string=re.compile("最終更新日"))]
    for text in texts:
        _, _, rest = normalize(text).partition("最終更新日")
        rest = rest.lstrip(":： ")
        if rest:
            dates = find_dates(rest)
            if dates:
                return dates[0][0]
            raise ParseError(f"{where}: 最終更新日 without a date: {text.strip()!r}", url=where)
    return None


def parse_anpo_page(payload: Payload) -> AnpoPage:
    """The 新着情報 table (date / category / text and link) and the 最終更新日."""
    soup = _soup(payload)
    heading = next(
        (h for h in soup.find_all(re.compile("^h[1-6]$")) if "新着情報" in _text(h)), None
    )
    table = heading.find_next("table") if heading else None
    if table is None:
        raise ParseError(
            f"{payload.url}: no 新着情報 table; the page layout changed?", url=payload.url
        )
    rows = []
    for line, tr in enumerate(table.find_all("tr"), 1):
        cells = tr.find_all(["td", "th"])
        if len(cells) < 2 or not _text(cells[0]) or (cells[0].name == "th" and line == 1):
            continue
        try:
            published = parse_date(_text(cells[0]))
        except JapaneseDateError as exc:
            if line == 1:
                continue  # a header row (日付 / 区分 / 内容)
            where = f"{payload.url}: 新着情報 row {line}"
            raise ParseError(f"{where}: {exc}", url=payload.url) from None
        content = cells[-1]
        link = content.find("a", href=True)
        url = resolve_link(payload.url, str(link["href"]), hosts=HOSTS) if link else None
        category = _text(cells[1]) if len(cells) > 2 else ""
        rows.append(AnpoRow(published, category, _text(content), url))
    return AnpoPage(rows, _last_updated(soup, payload.url))


# -- End User List editions -----------------------------------------------------------------


def _edition_links(soup: BeautifulSoup, base: str) -> Iterator[tuple[date, str, Tag]]:
    for anchor in soup.find_all("a", href=True):
        url = resolve_link(base, str(anchor["href"]), hosts=HOSTS)
        match = _EDITION_PDF.search(url or "")
        if not url or not match:
            continue
        stamp = match["date"]
        try:
            yield date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:])), url, anchor
        except ValueError:
            continue


def parse_eul_page(payload: Payload) -> EditionLink:
    """The newest edition the End User List page (``policy/anpo/law09.html``) links to."""
    soup = _soup(payload)
    text = _text(soup.body or soup)
    if "外国ユーザーリスト" not in text and "end user list" not in text.casefold():
        raise ParseError(f"{payload.url}: not the End User List page", url=payload.url)
    links = list(_edition_links(soup, payload.url))
    if not links:
        raise ParseError(
            f"{payload.url}: no dated End User List PDF link; the page layout changed?",
            url=payload.url,
        )
    newest = max(d for d, _, _ in links)
    urls = tuple(dict.fromkeys(u for d, u, _ in links if d == newest))
    applied = _APPLIED.search(normalize(text))
    return EditionLink(newest, urls, parse_date(applied["date"]) if applied else None)


def parse_release_page(payload: Payload) -> ReleasePage:
    """The release announcing an edition: its PDF, application date and announced count."""
    ident = release_id(payload.url)
    if not ident:
        raise ParseError(f"{payload.url}: not a METI press-release URL", url=payload.url)
    soup = _soup(payload)
    text = normalize(_text(soup.body or soup))
    title = _text(soup.find("h1")) or _text(soup.title)
    pdfs = tuple(
        dict.fromkeys(
            u
            for a in soup.find_all("a", href=True)
            if (u := resolve_link(payload.url, str(a["href"]), hosts=HOSTS))
            and u.lower().endswith(".pdf")
        )
    )
    applied = _APPLIED.search(text)
    announced = _ANNOUNCED.search(text)
    counts: dict[str, int] = {}
    if announced:
        sign = 1 if announced["dir"] == "増" else -1
        counts = {
            "announced_total": int(announced["total"]),
            "announced_countries": int(announced["countries"]),
            "announced_change": sign * int(announced["change"]),
        }
    return ReleasePage(
        ident[0],
        ident[1],
        title,
        pdfs,
        parse_date(applied["date"]) if applied else None,
        counts,
    )
