"""The UN Security Council Consolidated List (list ``UN``), read whole and diffed.

One file, ``consolidated.xml``, holds every individual and entity under the Council's sanctions
regimes.  Each poll fetches it conditionally (ETag / Last-Modified; a byte-identical file is "not
modified"), reads it (:mod:`._un_parse`) and diffs it against the last accepted read
(:func:`~._snapshot.diff_list`):

- the first read is the **baseline**: one ``list.revised`` event, the entries straight to the
  listed parties, no flood of ``entity.added``;
- then ``entity.added`` / ``entity.revised`` (field by field) / ``entity.removed``, keyed by the
  UN's permanent reference number (``un:qdi.001``), with the regime (``UN_LIST_TYPE``) as the
  programme and names in their original script as aliases;
- a file that is not well-formed (a truncated download), is not the consolidated list, or would
  shrink the list by more than ``max_shrink`` is refused: the poll fails with a clear error, the
  source's health says why, and nothing is stored.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from ..exceptions import ParseError, SnapshotRefused
from ..model import ChangeEvent, Changes, Collection, Payload, Prior, PriorRequest, SourceState
from ..timeutil import utcnow
from . import register
from ._base import Source, SourceSettings
from ._list_record import as_list_record
from ._snapshot import diff_list, list_prior_request
from ._un_parse import LIST_CODE, parse_un_xml

if TYPE_CHECKING:
    from ..http import Fetcher

__all__ = ["UnList", "UnSettings"]

DEFAULT_URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
_SOURCE = "un"
_TITLES = {LIST_CODE: "UN Security Council Consolidated List"}


class UnSettings(SourceSettings):
    # Off unless sources.yaml turns it on: it needs the network, and a configuration that
    # names only other sources keeps polling only those.
    enabled: bool = Field(False, description="poll this source in `poll` and `run`")
    url: str = Field(DEFAULT_URL, description="the consolidated list XML (or a mirror of it)")
    max_shrink: float = Field(
        0.2,
        ge=0,
        le=1,
        description="refuse a read that shrinks the list, or removes entries from it, by more "
        "than this share (0.2 = 20%)",
    )


@register
class UnList(Source[UnSettings]):
    """The UN Security Council Consolidated List, diffed read by read."""

    name: ClassVar[str] = _SOURCE
    title: ClassVar[str] = "UN Security Council Consolidated List"
    Settings = UnSettings
    default_every = "6h"

    def collect(self, fetcher: Fetcher, state: SourceState) -> Collection:
        url = self.settings.url
        payload = fetcher.get(url, expect="xml", validators=state.validators.get(url), role="list")
        collection = Collection(requests=1)
        if payload.validators:
            collection.validators = {url: payload.validators}
        if payload.status == 304 or payload.sha256 == state.cursor.get("sha256"):
            collection.not_modified = True
            return collection
        collection.payloads.append(payload)
        return collection

    def prior_request(self) -> PriorRequest:
        return list_prior_request(_SOURCE, [LIST_CODE])

    def parse(self, collection: Collection, prior: Prior) -> Changes:
        """Diff the collection's list against the last accepted read."""
        if not collection.payloads:
            return Changes()
        index = len(collection.payloads) - 1
        payload = collection.payloads[index]
        try:
            found = parse_un_xml(payload.body, url=payload.url)
        except ParseError as exc:
            raise SnapshotRefused(f"UN list refused: {exc}") from exc
        records = [as_list_record(key, entry) for key, entry in found.records.items()]
        changes = diff_list(
            _SOURCE,
            prior,
            records,
            lists=[LIST_CODE],
            titles=_TITLES,
            max_shrink=self.settings.max_shrink,
            payload_index=index,
            url=payload.url if payload.url.startswith("http") else None,
            extra={"generated": found.published} if found.published else None,
        )
        changes.cursor = {
            "sha256": payload.sha256,
            "generated": found.published,
            "entries": len(found.records),
        }
        return changes

    def newest_item_on(self, events: list[ChangeEvent]) -> date | None:
        # A list is a state, not a feed: a successful poll is as fresh as it can be.
        return utcnow().date()

    def read_file(self, path: str, body: bytes) -> Payload:
        return Payload(url=f"file://{path}", body=body, content_type="application/xml", role="list")
