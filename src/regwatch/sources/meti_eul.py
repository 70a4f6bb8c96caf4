"""METI's End User List (外国ユーザーリスト), edition by edition: ``regwatch import meti_eul``.

METI publishes each edition as a bilingual PDF at a new URL and blocks most automated clients,
so editions come in through ``regwatch import meti_eul FILE.pdf [--edition YYYY-MM-DD]`` (or a
CSV/XLSX with the PDF's six columns); the ``meti`` poller only finds that a new edition exists.
Each edition is diffed against the list as the previous edition left it:

- ``entity.added`` / ``entity.removed`` / ``entity.revised`` (aliases, name, type of concern)
  with list ``JP-EUL``, the country, and ``changes`` for revisions;
- one ``list.revised`` event for the edition, which replaces the poller's provisional one and
  inherits its release URL, application date and announced count.

An edition is refused, and nothing is stored, when its rows cannot all be read, when it is older
than an edition already imported, when it would remove more than ``max_removed_share`` of the
list, or when its size differs from the count METI's release announced.  Each import brings the
``JP-EUL`` rows of ``listed_entity`` up to date in the same transaction as its events.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import PurePath
from typing import ClassVar

from pydantic import Field

from ..exceptions import InputError, SnapshotRefused
from ..keys import EUL_ENTRY_PREFIX
from ..model import ChangeEvent, Changes, Collection, Payload, Prior, PriorRequest
from ..timeutil import parse_date
from . import register
from ._base import ImportOption, Source, SourceSettings
from ._eul_diff import LIST_CODE, Edition, edition_events, target_state
from ._eul_store import EulHistory, history_from
from ._eul_table import read_table
from ._listing import entity_listing_changes

__all__ = ["MetiEndUserList", "MetiEndUserListSettings"]

_DATE_IN_NAME = re.compile(r"(?<!\d)(20\d{2})[-_]?(\d{2})[-_]?(\d{2})(?!\d{2})")
_CONTENT_TYPES = {
    b"%PDF-": "application/pdf",
    b"PK\x03\x04": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: release facts the poller records on an announced edition, carried into the imported one
_RELEASE_FACTS = ("release_url", "pdf_urls", "announced_total", "announced_countries")


class MetiEndUserListSettings(SourceSettings):
    max_removed_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description="refuse an edition that removes more than this share of the list "
        "(a truncated file, not a real revision)",
    )


@register
class MetiEndUserList(Source[MetiEndUserListSettings]):
    """End User List editions read from METI's PDF (or a CSV/XLSX of its six columns)."""

    name: ClassVar[str] = "meti_eul"
    title: ClassVar[str] = "METI End User List (外国ユーザーリスト), imported edition by edition"
    Settings = MetiEndUserListSettings
    keep_bodies = True
    import_options = (
        ImportOption(
            "edition",
            "YYYY-MM-DD",
            "meti_eul: the date METI published this End User List edition "
            "(default: the date in the file name)",
            convert=parse_date,
            one_file=True,
        ),
    )

    def read_file(self, path: str, body: bytes) -> Payload:
        sniffed = (t for magic, t in _CONTENT_TYPES.items() if body.startswith(magic))
        content_type = next(sniffed, None)
        return Payload(
            url=f"file://{path}",
            body=body,
            content_type=content_type or "text/csv",
            role="edition",
        )

    def edition_of(self, payload: Payload, given: date | None = None) -> date:
        """The edition date: ``--edition`` (``given``), else the date in the file name
        (``20250929_3.pdf``, ``20250929006-1.pdf``, ``eul-2025-09-29.csv``)."""
        if given is not None:
            return given
        name = PurePath(payload.url.removeprefix("file://")).name
        match = _DATE_IN_NAME.search(name)
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                pass
        raise InputError(
            f"{payload.url}: cannot tell which edition this is; give --edition YYYY-MM-DD "
            "(the date METI published it) or put the date in the file name"
        )

    def parse_payload(self, payload: Payload) -> list[ChangeEvent]:
        """The edition alone, as if no earlier edition existed (every entity added)."""
        target = target_state(read_table(payload.body, payload.url), payload.url)
        return edition_events(
            Edition(self.edition_of(payload)), target, {}, {}, previous_edition=None
        )

    def prior_request(self) -> PriorRequest:
        return PriorRequest(lists=(LIST_CODE,), history=(EUL_ENTRY_PREFIX,))

    def parse(self, collection: Collection, prior: Prior) -> Changes:
        history = history_from(prior.history)
        given = collection.options.get("edition")
        dated = sorted(
            ((self.edition_of(p, given), i, p) for i, p in enumerate(collection.payloads)),
            key=lambda t: (t[0], t[1]),
        )
        out: list[tuple[int | None, ChangeEvent]] = []
        seen: dict[date, str] = {}
        for edition_date, index, payload in dated:
            if edition_date in seen:
                raise InputError(
                    f"{payload.url} and {seen[edition_date]} are both the edition of "
                    f"{edition_date}; import one of them"
                )
            seen[edition_date] = payload.url
            events = self._edition_events(edition_date, payload, history)
            history.record(events)
            out += [(index, e) for e in events]
        listed = entity_listing_changes((e for _, e in out), prior.listed)
        return Changes(events=out, listed=listed)

    def _edition_events(
        self, edition_date: date, payload: Payload, history: EulHistory
    ) -> list[ChangeEvent]:
        imported = history.imported
        if imported and edition_date < imported[-1]:
            raise SnapshotRefused(
                f"{payload.url}: the edition of {edition_date} is older than the edition of "
                f"{imported[-1]} already imported; import editions oldest first"
            )
        target = target_state(read_table(payload.body, payload.url), payload.url)
        before = history.state(before=edition_date)
        previous = max((d for d in imported if d < edition_date), default=None)
        removed = [k for k in before if k not in target]
        limit = self.settings.max_removed_share
        if before and len(removed) > limit * len(before):
            raise SnapshotRefused(
                f"{payload.url}: the edition of {edition_date} would remove {len(removed)} of "
                f"{len(before)} entities (more than {limit:.0%}); a truncated file? Nothing "
                "was imported"
            )
        known = history.editions.get(edition_date)
        release = {k: known.data[k] for k in _RELEASE_FACTS if known and k in known.data}
        announced = release.get("announced_total")
        if isinstance(announced, int) and announced != len(target):
            raise SnapshotRefused(
                f"{payload.url}: METI's release announced {announced} entities for the edition "
                f"of {edition_date}, but the file has {len(target)}; nothing was imported"
            )
        edition = Edition(
            edition_date,
            effective_on=known.effective_on if known else None,
            url=known.url if known else None,
            release=release,
        )
        return edition_events(edition, target, before, history.state(), previous_edition=previous)
