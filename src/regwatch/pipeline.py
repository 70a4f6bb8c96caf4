"""Poll one source end to end: collect, parse, store, in one transaction per batch.

A failure anywhere (a fetch error, a bad payload, a bug) is recorded in the source's health and
leaves the database exactly as it was: the cursor does not move, nothing half-stored.  One
source's failure never stops the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .config import Config
from .exceptions import BlockedError, ConfigError, InputError, RegwatchError
from .http import Fetcher
from .model import Changes, Collection, Payload
from .sources import Source, get_source_class
from .store import ApplyResult, Batch, Store
from .timeutil import utcnow

__all__ = [
    "PollResult",
    "build_source",
    "import_files",
    "match_stage",
    "parse_collection",
    "poll_source",
    "poll_sources",
]

log = logging.getLogger("regwatch.poll")


@dataclass
class PollResult:
    """How one poll of one source ended."""

    source: str
    ok: bool
    new_ids: list[int] = field(default_factory=list)
    revised_ids: list[int] = field(default_factory=list)
    unchanged: int = 0
    not_modified: bool = False
    requests: int = 0
    seconds: float = 0.0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def new(self) -> int:
        return len(self.new_ids)

    @property
    def revised(self) -> int:
        return len(self.revised_ids)


def build_source(name: str, config: Config) -> Source[Any]:
    cls = get_source_class(name)
    return cls(config.sources[name])


def parse_collection(store: Store, source: Source[Any], collection: Collection) -> Changes:
    """The source's pure parse of ``collection``, given what it asked to know of the past."""
    if not collection.payloads:
        return Changes()
    return source.parse(collection, store.prior(source.name, source.prior_request()))


def _batch(
    source: Source[Any], collection: Collection, changes: Changes, started: datetime
) -> Batch:
    return Batch(
        source=source.name,
        payloads=collection.payloads,
        changes=changes,
        started_at=started,
        cursor=changes.cursor if changes.cursor is not None else collection.cursor,
        validators=collection.validators,
        requests=collection.requests,
        warnings=collection.warnings + changes.warnings,
        not_modified=collection.not_modified,
        newest_item_on=source.newest_item_on([e for _, e in changes.events]),
        keep_all_bodies=source.keep_bodies,
        imported=collection.imported,
    )


def poll_source(store: Store, source: Source[Any], fetcher: Fetcher) -> PollResult:
    """One collection pass of ``source``, stored in one transaction; never raises for the
    source's own failures (they are recorded and returned)."""
    started, clock = utcnow(), time.monotonic()
    fetcher_requests = fetcher.requests
    try:
        collection = source.collect(fetcher, store.source_state(source.name))
        collection.requests = fetcher.requests - fetcher_requests
        batch = _batch(source, collection, parse_collection(store, source, collection), started)
        stored = store.save_batch(batch)
    except Exception as exc:  # every failure is recorded; none stops the other sources
        requests = fetcher.requests - fetcher_requests
        kind = "blocked" if isinstance(exc, BlockedError) else "error"
        if not isinstance(exc, RegwatchError):
            log.exception("poll %s: unexpected error", source.name)
        store.record_failure(source.name, started, exc, kind=kind, requests=requests)
        result = PollResult(
            source.name,
            ok=False,
            error=f"{type(exc).__name__}: {exc}",
            requests=requests,
            seconds=time.monotonic() - clock,
        )
        log.warning(
            "poll %s failed",
            source.name,
            extra={
                "source": source.name,
                "outcome": "error",
                "error": result.error,
                "requests": requests,
                "seconds": round(result.seconds, 3),
            },
        )
        return result
    result = PollResult(
        source.name,
        ok=True,
        new_ids=stored.new_ids,
        revised_ids=stored.revised_ids,
        unchanged=stored.unchanged,
        not_modified=collection.not_modified,
        requests=batch.requests,
        seconds=time.monotonic() - clock,
        warnings=batch.warnings,
    )
    log.info(
        "poll %s finished",
        source.name,
        extra={
            "source": source.name,
            "outcome": "not_modified" if result.not_modified else "ok",
            "new": result.new,
            "revised": result.revised,
            "unchanged": result.unchanged,
            "requests": result.requests,
            "seconds": round(result.seconds, 3),
        },
    )
    # The next stage: what was stored is matched against the watch lists.
    match_stage(store)
    return result


def poll_sources(
    store: Store, config: Config, names: Sequence[str], fetcher: Fetcher
) -> list[PollResult]:
    """Poll each of ``names`` in turn; one failing source never stops the next."""
    return [poll_source(store, build_source(name, config), fetcher) for name in names]


def match_stage(store: Store) -> None:
    """Match every stored event not matched yet.  A failure here is logged and leaves the
    events pending (they are matched by the next run), never undoes what was stored."""
    from .matching import match_pending

    try:
        result = match_pending(store)
    except Exception:
        log.exception("matching failed; the events stay pending for the next run")
        return
    if result.events:
        log.info("matched %d event(s): %d new match(es)", result.events, result.matches)


def import_files(
    store: Store,
    source: Source[Any],
    paths: Sequence[Path],
    options: Mapping[str, Any] | None = None,
) -> ApplyResult:
    """Feed saved payload files through ``source``'s parser and store the events.

    All or nothing: every file is read and parsed before anything is stored.
    :param options: values of the source's declared :attr:`~Source.import_options`.
    :raises InputError: naming the file that could not be read or parsed.
    """
    options = dict(options or {})
    for option in source.import_options:
        if option.one_file and option.name in options and len(paths) != 1:
            raise ConfigError(
                f"--{option.name} applies to one file; import {source.name} files one at a time"
            )
    payloads: list[Payload] = []
    for path in paths:
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
        payloads.append(source.read_file(str(path), body))
    collection = Collection(payloads=payloads, options=options, imported=True)
    # Through the same parse as a poll, so that snapshot sources diff against the store.
    try:
        changes = parse_collection(store, source, collection)
    except RegwatchError as exc:
        url = getattr(exc, "url", None)
        message = str(exc)
        raise InputError(message if not url or url in message else f"{url}: {message}") from None
    result = store.save_batch(_batch(source, collection, changes, utcnow()))
    match_stage(store)
    return result
