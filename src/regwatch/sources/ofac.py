"""OFAC's Sanctions List Service: the SDN list and the consolidated (non-SDN) lists.

Lists ``SDN`` and ``SSI``, ``FSE``, ``PLC``, ``CAP``, ``CMIC``, ``MBS`` (the CSL's codes), read
at their source rather than through the Consolidated Screening List.

**What a poll fetches.**  First the publication history (``/changes/history/{year}``, a small
JSON list of publications).  Then:

- nothing more when no publication is newer than the last one applied ("not modified");
- the **delta file** of each new publication (``/changes/{publicationID}``, at most
  ``max_deltas``), when the lists were read whole before: changes are seen from the deltas;
- the **full export** otherwise (first poll, a gap of more publications than ``max_deltas``, no
  history, a delta change that could not be applied, another format or more lists than
  before): ``SDN.XML`` and ``CONSOLIDATED.XML`` (``format: xml``), or the headerless CSV sets
  joined on the entry number (``format: csv``).  Only the files of the watched lists are
  fetched, and an export whose bytes are those of the last read is not read again.

The export and delta URLs redirect to short-lived signed storage URLs: the fetcher follows the
redirect, and the payload keeps the stable URL it asked for; the signed one is never stored.

**What it gives.**  The first read of each list is its baseline (one ``list.revised`` event,
no flood); then ``entity.added`` / ``entity.revised`` / ``entity.removed`` keyed
``ofac:<list>:<entry number>``, with names in every script the list gives, aliases (OFAC's
"weak" a.k.a.s kept apart as ``weak_aliases``), addresses, identifiers, programmes and country.
A read that is not well-formed, disagrees with its own ``Record_Count``, or would shrink a list
by more than ``max_shrink`` is refused and nothing is stored.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, field_validator

from .._entity_names import LIST_TITLES
from ..exceptions import (
    FetchError,
    InputError,
    ParseError,
    SnapshotRefused,
    UnexpectedContent,
)
from ..keys import list_baseline_prefix, ofac_entry_number
from ..model import (
    ChangeEvent,
    Changes,
    Collection,
    Payload,
    Prior,
    PriorRequest,
    SourceState,
)
from ..timeutil import utcnow
from . import register
from ._base import Source, SourceSettings
from ._list_record import RecordSet, as_list_record
from ._ofac_delta import apply_deltas
from ._ofac_parse import (
    CONSOLIDATED_LISTS,
    OFAC_LISTS,
    CsvFile,
    parse_csv_set,
    parse_delta,
    parse_export_xml,
)
from ._snapshot import ListRecord, diff_list, list_prior_request

if TYPE_CHECKING:
    from ..http import Fetcher

__all__ = ["Ofac", "OfacSettings"]

DEFAULT_BASE_URL = "https://sanctionslistservice.ofac.treas.gov"
_SOURCE = "ofac"
#: the export files of each group, per format; a CSV set is PRIM, ADD, ALT, COMMENTS
_FILES = {
    ("xml", "sdn"): ("SDN.XML",),
    ("xml", "cons"): ("CONSOLIDATED.XML",),
    ("csv", "sdn"): ("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV"),
    ("csv", "cons"): ("CONS_PRIM.CSV", "CONS_ADD.CSV", "CONS_ALT.CSV", "CONS_COMMENTS.CSV"),
}
_TITLES = {code: f"OFAC {LIST_TITLES.get(code, code)}" for code in OFAC_LISTS}
#: how many years of publication history a poll may read (the last applied one's year to now)
_HISTORY_YEARS = 2


class OfacSettings(SourceSettings):
    # Off unless sources.yaml turns it on: it needs the network.
    enabled: bool = Field(False, description="poll this source in `poll` and `run`")
    base_url: str = Field(DEFAULT_BASE_URL, description="the Sanctions List Service")
    lists: list[str] = Field(
        default_factory=lambda: list(OFAC_LISTS),
        description="the lists to watch: " + ", ".join(f"`{c}`" for c in OFAC_LISTS),
    )
    format: Literal["xml", "csv"] = Field(
        "xml",
        description="full exports as `xml` (SDN.XML, CONSOLIDATED.XML) or `csv` (the headerless "
        "CSV sets)",
    )
    deltas: bool = Field(True, description="read new publications from their delta files")
    max_deltas: int = Field(
        10, ge=1, le=100, description="more new publications than this: read the full export"
    )
    max_shrink: float = Field(
        0.2,
        ge=0,
        le=1,
        description="refuse a read that shrinks a list, or removes entries from it, by more "
        "than this share (0.2 = 20%)",
    )

    @field_validator("lists")
    @classmethod
    def _check_lists(cls, value: list[str]) -> list[str]:
        codes = [v.strip().upper() for v in value]
        unknown = [c for c in codes if c not in OFAC_LISTS]
        if unknown:
            raise ValueError(
                f"unknown list code(s) {', '.join(unknown)}; expected some of: "
                + ", ".join(OFAC_LISTS)
            )
        if not codes:
            raise ValueError("watch at least one list")
        return list(dict.fromkeys(codes))


def _groups(lists: Iterable[str]) -> list[str]:
    wanted = set(lists)
    return [
        g for g, covers in (("sdn", {"SDN"}), ("cons", set(CONSOLIDATED_LISTS))) if wanted & covers
    ]


def _group_lists(group: str, lists: Iterable[str]) -> list[str]:
    covers = {"SDN"} if group == "sdn" else set(CONSOLIDATED_LISTS)
    return [code for code in lists if code in covers]


@register
class Ofac(Source[OfacSettings]):
    """OFAC's SDN and consolidated lists, from their delta files or full exports."""

    name: ClassVar[str] = _SOURCE
    title: ClassVar[str] = "OFAC Sanctions List Service (SDN and non-SDN lists)"
    Settings = OfacSettings
    default_every = "2h"
    #: the Sanctions List Service answers an export with a redirect to a presigned S3 URL
    extra_hosts = (".amazonaws.com",)

    # -- collecting ---------------------------------------------------------------------------

    def collect(self, fetcher: Fetcher, state: SourceState) -> Collection:
        settings = self.settings
        cursor = state.cursor
        collection = Collection()
        publications = self._history(fetcher, cursor, collection)
        in_step = (
            cursor.get("format") == settings.format
            and set(settings.lists) <= set(cursor.get("lists") or ())
            and cursor.get("publication") is not None
            and not cursor.get("resync")
        )
        newest = publications[-1] if publications else None
        if settings.deltas and publications is not None and in_step:
            last = int(cursor["publication"])
            new = [p for p in publications if p[0] > last]
            if not new:
                collection.not_modified = True
                return collection
            if len(new) <= settings.max_deltas:
                for number, _ in new:
                    collection.payloads.append(
                        self._get(fetcher, f"{self._base}/changes/{number}", "delta", collection)
                    )
                collection.cursor = {**cursor, "publication": new[-1][0], "published": new[-1][1]}
                return collection
            collection.warnings.append(
                f"{len(new)} publications since the last one applied (more than max_deltas="
                f"{settings.max_deltas}): reading the full export"
            )
        files: dict[str, str] = {}
        same_format = cursor.get("format") == settings.format
        for group in _groups(settings.lists):
            fresh = set(_group_lists(group, settings.lists)) - set(cursor.get("lists") or ())
            before = (cursor.get("files") or {}).get(group)
            names = _FILES[(settings.format, group)]
            # An XML export is one file: a conditional GET can say it has not changed.  A CSV
            # set is read whole or not at all, so its files are always fetched.
            conditional = len(names) == 1 and same_format and not fresh and before
            payloads = []
            for name in names:
                url = self._export_url(name)
                known = state.validators.get(url) if conditional else None
                payload = self._get(fetcher, url, f"{group}:{name}", collection, known)
                if payload.validators:
                    collection.validators[url] = payload.validators
                payloads.append(payload)
            if all(p.status == 304 for p in payloads):
                files[group] = str(before)
                continue
            digest = hashlib.sha256(b"".join(p.sha256.encode() for p in payloads)).hexdigest()
            files[group] = digest
            if digest != before or fresh or not same_format:
                collection.payloads += payloads
        collection.cursor = {
            "format": settings.format,
            "lists": list(settings.lists),
            "files": files,
            "publication": newest[0] if newest else cursor.get("publication"),
            "published": newest[1] if newest else cursor.get("published"),
        }
        if not collection.payloads:
            collection.not_modified = True
        return collection

    @property
    def _base(self) -> str:
        return self.settings.base_url.rstrip("/")

    def _export_url(self, name: str) -> str:
        return f"{self._base}/api/PublicationPreview/exports/{name}"

    def _get(
        self,
        fetcher: Fetcher,
        url: str,
        role: str,
        collection: Collection,
        validators: Mapping[str, str] | None = None,
    ) -> Payload:
        """GET ``url`` (following its redirect to a signed storage URL) as a payload that
        keeps ``url``: the signed URL is short-lived and carries a signature, never stored."""
        payload = fetcher.get(url, expect="any", role=role, validators=validators)
        collection.requests += 1
        head = payload.body[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")):
            raise UnexpectedContent(
                f"{url}: expected an OFAC file, got an HTML page (an error or maintenance page)",
                url=url,
            )
        return dataclasses.replace(payload, url=url)

    def _history(
        self, fetcher: Fetcher, cursor: Mapping[str, Any], collection: Collection
    ) -> list[tuple[int, str]] | None:
        """Every publication of the years from the last applied one's to now, oldest first;
        ``None`` (and a warning) when the history cannot be read: the full export is read."""
        this_year = utcnow().year
        last = str(cursor.get("published") or "")
        first = int(last[:4]) if last[:4].isdigit() else this_year
        if first < this_year - _HISTORY_YEARS + 1:
            collection.warnings.append(
                f"the last publication applied ({last[:10]}) is older than the history read: "
                "reading the full export"
            )
            return None
        years = range(first, this_year + 1)
        found: dict[int, str] = {}
        for year in years:
            url = f"{self._base}/changes/history/{year}"
            try:
                payload = fetcher.get(url, expect="json", role="history")
                collection.requests += 1
                found.update(_publications(payload))
            except (FetchError, ParseError) as exc:
                collection.warnings.append(
                    f"publication history unavailable ({exc}): reading the full export"
                )
                return None
        return sorted(found.items())

    # -- parsing ------------------------------------------------------------------------------

    def prior_request(self) -> PriorRequest:
        return list_prior_request(_SOURCE, self.settings.lists)

    def parse(self, collection: Collection, prior: Prior) -> Changes:
        """The changes of the collection's deltas, or of its exports, against the stored lists."""
        if not collection.payloads:
            return Changes()
        lists = self.settings.lists
        warnings: list[str] = []
        if prior.state.cursor.get("format") not in (None, self.settings.format):
            warnings.append(
                f"export format changed from {prior.state.cursor.get('format')} to "
                f"{self.settings.format}: the lists are recorded again as a baseline"
            )
            baseline_prefix = list_baseline_prefix(_SOURCE)
            prior = dataclasses.replace(
                prior,
                entries={},
                heads={k: v for k, v in prior.heads.items() if not k.startswith(baseline_prefix)},
            )
        deltas = [(i, p) for i, p in enumerate(collection.payloads) if p.role == "delta"]
        exports = [(i, p) for i, p in enumerate(collection.payloads) if p.role != "delta"]
        cursor = dict(collection.cursor or prior.state.cursor)
        try:
            if exports:
                changes = self._from_exports(exports, prior, lists)
                cursor.pop("resync", None)
            else:
                changes, unresolved = self._from_deltas(deltas, prior, lists, warnings)
                if unresolved:
                    cursor["resync"] = True
        except ParseError as exc:
            raise SnapshotRefused(f"OFAC list refused: {exc}") from exc
        changes.cursor = cursor
        changes.warnings += warnings
        return changes

    def _from_exports(
        self, exports: Sequence[tuple[int, Payload]], prior: Prior, lists: Sequence[str]
    ) -> Changes:
        by_group: dict[str, list[tuple[int, Payload]]] = {}
        for index, payload in exports:
            by_group.setdefault(payload.role.split(":")[0], []).append((index, payload))
        known = {
            ofac_entry_number(key): (key, entry.fingerprint) for key, entry in prior.entries.items()
        }
        records: list[ListRecord] = []
        fingerprints: dict[str, str] = {}
        unchanged: set[str] = set()
        read_lists: set[str] = set()
        published = None
        for group, payloads in by_group.items():
            found = self._read_group(group, [p for _, p in payloads], known)
            published = published or found.published
            covered = _group_lists(group, lists)
            read_lists.update(covered)
            for key, entry in found.records.items():
                if entry.list_code in covered:
                    records.append(as_list_record(key, entry, url=_details_url(entry.ref)))
            fingerprints.update(found.digests)
            unchanged |= found.same
        # lists whose files did not change (or were not fetched) stay as they are; a list that
        # was never read gets its baseline when its file is read, not before
        unchanged |= {k for k, e in prior.entries.items() if e.list_code not in read_lists}
        stored_lists = {e.list_code for e in prior.entries.values()}
        index = exports[0][0]
        return diff_list(
            _SOURCE,
            prior,
            records,
            lists=[c for c in lists if c in read_lists or c in stored_lists],
            titles=_TITLES,
            max_shrink=self.settings.max_shrink,
            payload_index=index,
            url=exports[0][1].url,
            extra={"via": "export", **({"published": published} if published else {})},
            unchanged=unchanged,
            fingerprints=fingerprints,
        )

    def _read_group(
        self, group: str, payloads: Sequence[Payload], known: Mapping[str, tuple[str, str]]
    ) -> RecordSet:
        consolidated = group == "cons"
        if self.settings.format == "xml":
            (payload,) = payloads
            return parse_export_xml(
                payload.body, url=payload.url, consolidated=consolidated, known=known
            )
        files = [CsvFile(p.body, p.url) for p in payloads]
        prim, add, alt, comments = files
        return parse_csv_set(prim, add, alt, comments, consolidated=consolidated)

    def _from_deltas(
        self,
        deltas: Sequence[tuple[int, Payload]],
        prior: Prior,
        lists: Sequence[str],
        warnings: list[str],
    ) -> tuple[Changes, list[str]]:
        parsed = [parse_delta(p.body, url=p.url) for _, p in deltas]
        result = apply_deltas(prior.entries.keys(), parsed)
        warnings += result.warnings
        records = [
            as_list_record(key, entry, url=_details_url(entry.ref))
            for key, entry in result.records.items()
            if entry.list_code in lists
        ]
        touched = result.removed | set(result.records)
        unchanged = {k for k in prior.entries if k not in touched}
        last = parsed[-1].published if parsed else None
        index, payload = deltas[-1]
        changes = diff_list(
            _SOURCE,
            prior,
            records,
            lists=lists,
            titles=_TITLES,
            max_shrink=self.settings.max_shrink,
            payload_index=index,
            url=payload.url,
            extra={"via": "delta", **({"published": last} if last else {})},
            unchanged=unchanged,
        )
        return changes, result.unresolved

    def read_file(self, path: str, body: bytes) -> Payload:
        """``regwatch import ofac FILE``: a saved ``SDN.XML``, ``CONSOLIDATED.XML`` (its name
        says ``cons``) or delta file."""
        head = body[:2048]
        name = path.rsplit("/", 1)[-1]
        if b"<sanctionsData" in head:
            role = "delta"
        elif b"<sdnList" in head:
            role = "cons:CONSOLIDATED.XML" if "cons" in name.lower() else "sdn:SDN.XML"
        else:
            raise InputError(
                f"{path}: not an OFAC XML export or delta file; import SDN.XML, "
                "CONSOLIDATED.XML or a delta file (the CSV sets are read by polling, as their "
                "four files belong together)"
            )
        return Payload(url=f"file://{path}", body=body, content_type="application/xml", role=role)

    def newest_item_on(self, events: list[ChangeEvent]) -> date | None:
        # A list is a state, not a feed: a successful poll is as fresh as it can be.
        return utcnow().date()


def _details_url(uid: str) -> str:
    return f"https://sanctionssearch.ofac.treas.gov/Details.aspx?id={uid}"


_WHEN = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _publications(payload: Payload) -> dict[int, str]:
    """``{publicationID: datePublished}`` from a history answer: a JSON list of publications,
    or ``{"publications": [...]}``.

    :raises ParseError: anything else (the history is then not trusted)."""
    data = payload.json()
    items = data.get("publications") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ParseError(f"{payload.url}: expected a list of publications", url=payload.url)
    out: dict[int, str] = {}
    for item in items:
        number = item.get("publicationID") if isinstance(item, dict) else None
        when = str(item.get("datePublished") or "") if isinstance(item, dict) else ""
        if not isinstance(number, int) or not _WHEN.match(when):
            raise ParseError(
                f"{payload.url}: a publication without a numeric publicationID and a "
                f"datePublished: {item!r:.120}",
                url=payload.url,
            )
        out[number] = when
    return out
