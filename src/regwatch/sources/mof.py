"""Japan's Ministry of Finance economic sanctions list (経済制裁措置及び対象者リスト): `JP-MOF`.

MOF's list page links the current workbook under a file name that changes with every revision
(``shisantouketsu20260305.xlsx``; older revisions were ``.xls``), so each poll reads the page,
follows its workbook link and, when the workbook is new, reads it whole:

- the first read records a baseline (one ``list.revised`` event, no flood of additions);
- later reads give ``entity.added`` / ``entity.revised`` / ``entity.removed`` per party, with
  the programme, the Japanese and English names (both screened), aliases, addresses, dates of
  birth and notice history;
- a workbook that would remove more than ``max_shrink`` of the list, or that cannot be read
  whole (a sheet without its 告示日付 header, a row without a name), is refused and nothing is
  stored; the poll fails with the reason and the source's health shows it.

MOF's site answers slowly or not at all to many networks outside Japan: the source is off by
default in the shipped ``sources.yaml``.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import ClassVar

from pydantic import Field

from ..exceptions import InputError, ParseError, UnexpectedContent
from ..http import Fetcher
from ..japanese import decode, resolve_link
from ..model import Changes, Collection, Payload, Prior, PriorRequest, SourceState
from . import register
from ._base import Source, SourceSettings
from ._mof_workbook import LIST_CODE, read_workbook
from ._snapshot import diff_list, list_prior_request

__all__ = ["MofSanctions", "MofSettings"]

_SOURCE = "mof"
_PAGE_URL = (
    "https://www.mof.go.jp/policy/international_policy/gaitame_kawase/gaitame/"
    "economic_sanctions/list.html"
)
_DATE_IN_NAME = re.compile(r"(20\d{2})(\d{2})(\d{2})")
_WORKBOOK_LINK = re.compile(r"""href\s*=\s*["']([^"']+\.xlsx?)["']""", re.IGNORECASE)


class MofSettings(SourceSettings):
    enabled: bool = Field(
        False, description="poll this source (off by default: MOF answers few networks abroad)"
    )
    page_url: str = Field(_PAGE_URL, description="MOF's list page, which links the workbook")
    max_shrink: float = Field(
        0.2,
        ge=0,
        le=1,
        description="refuse a workbook that removes more than this share of the list",
    )


@register
class MofSanctions(Source[MofSettings]):
    """MOF's sanctions workbook, read whole whenever the list page links a new one."""

    name: ClassVar[str] = _SOURCE
    title: ClassVar[str] = "Japan MOF economic sanctions list (経済制裁措置及び対象者リスト)"
    Settings = MofSettings
    default_every: ClassVar[str] = "3h"

    def collect(self, fetcher: Fetcher, state: SourceState) -> Collection:
        collection = Collection(requests=1)
        page = fetcher.get(self.settings.page_url, expect="html", role="page")
        workbook_url = self.workbook_url(page)
        previous = state.cursor.get("workbook")
        validators = state.validators.get(workbook_url) if workbook_url == previous else None
        collection.requests += 1
        workbook = fetcher.get(workbook_url, expect="any", validators=validators, role="workbook")
        if workbook.status == 304 or workbook.sha256 == state.cursor.get("sha256"):
            collection.not_modified = True
            return collection
        collection.payloads.append(workbook)
        collection.cursor = {"workbook": workbook_url, "sha256": workbook.sha256}
        if workbook.validators:
            collection.validators[workbook_url] = workbook.validators
        return collection

    def workbook_url(self, page: Payload) -> str:
        """The workbook the list page links (the ``.xlsx`` when it links both forms)."""
        text = decode(page.body, page.content_type, where=page.url).text
        links = [resolve_link(page.url, m) for m in _WORKBOOK_LINK.findall(text)]
        found = [link for link in links if link]
        if not found:
            raise UnexpectedContent(
                f"{page.url}: the list page links no .xlsx or .xls workbook (has MOF moved "
                "the list? set mof.page_url)",
                url=page.url,
            )
        return next((u for u in found if u.lower().endswith(".xlsx")), found[0])

    def prior_request(self) -> PriorRequest:
        return list_prior_request(_SOURCE, [LIST_CODE])

    def read_file(self, path: str, body: bytes) -> Payload:
        return Payload(url=f"file://{path}", body=body, role="workbook")

    def parse(self, collection: Collection, prior: Prior) -> Changes:
        found = [
            (i, p) for i, p in enumerate(collection.payloads) if p.role == "workbook" and p.body
        ]
        if not found:
            return Changes()
        index, payload = found[-1]
        try:
            book = read_workbook(payload.body, payload.url)
        except InputError as exc:  # not a workbook at all: an HTML error page, a damaged file
            raise ParseError(str(exc), url=payload.url) from exc
        url = payload.url if payload.url.startswith("http") else None
        records = [dataclasses.replace(r, url=url) for r in book.parties]
        changes = diff_list(
            _SOURCE,
            prior,
            records,
            lists=[LIST_CODE],
            titles={LIST_CODE: "MOF economic sanctions list"},
            max_shrink=self.settings.max_shrink,
            payload_index=index,
            url=url,
            extra={"snapshot": payload.sha256, "workbook": payload.url.rsplit("/", 1)[-1]},
        )
        # the revision's date is in the workbook's name (shisantouketsu20260305.xlsx): the date
        # of every change it brings, and the source's newest item for the staleness check
        revised_on = workbook_date(payload.url)
        if revised_on is not None:
            changes.events = [
                (i, dataclasses.replace(e, published_on=revised_on)) for i, e in changes.events
            ]
        return changes


def workbook_date(url: str) -> date | None:
    """``…/shisantouketsu20260305.xlsx`` → 2026-03-05."""
    match = _DATE_IN_NAME.search(url.rsplit("/", 1)[-1])
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
