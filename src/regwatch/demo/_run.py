"""The demo: the whole pipeline, offline, against the sample server.

Nothing is simulated past the network: the sources' own collectors fetch from the
:class:`~regwatch.demo.SampleServer` through the real :class:`~regwatch.http.Fetcher`, the events
go into a fresh SQLite database, the sample watch list is imported as ``regwatch watch import``
does, and every cycle is :meth:`regwatch.daemon.Daemon.run_once` — poll, match, send the due
digests — with the digests written as ``.eml`` files.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from ..config import load_config
from ..daemon import build_daemon
from ..digest import MailSettings, Outcome, SendReport, parse_address
from ..events import StoredEvent
from ..exceptions import ConfigError
from ..http import Fetcher
from ..matching import (
    MatchQuery,
    import_and_rescreen,
    list_matches,
    name_score,
    watch_items,
)
from ..matching._watchstore import ImportResult
from ..pipeline import PollResult
from ..store import EventQuery, Store
from ._server import SampleServer, samples_dir

__all__ = ["Cycle", "DemoResult", "NearMiss", "prepare_directory", "run_demo"]

#: the sender of the demo's digests
SENDER = "regwatch-demo@localhost"


@dataclass(frozen=True)
class Cycle:
    """One ``run --once`` cycle of the demo."""

    number: int
    #: the CSL snapshot the sample server served in this cycle
    csl_snapshot: int
    polls: list[PollResult]
    digests: SendReport | None


@dataclass(frozen=True)
class NearMiss:
    """A watched entity that matched nothing, and the closest name the events carried."""

    watched: str
    closest: str | None
    score: float


@dataclass
class DemoResult:
    directory: Path
    db_url: str
    config_path: Path
    outbox: Path
    server: str
    company: str
    imported: ImportResult
    cycles: list[Cycle] = field(default_factory=list)
    #: every stored event, every revision, oldest first
    events: list[StoredEvent] = field(default_factory=list)
    #: the company's matches as ``regwatch matches --format json`` prints them, newest first
    matches: list[dict[str, Any]] = field(default_factory=list)
    near_misses: list[NearMiss] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(
            all(p.ok for p in c.polls) and (c.digests is None or c.digests.ok) for c in self.cycles
        )

    @property
    def event_counts(self) -> Counter[tuple[str, str]]:
        """Events by ``(source, kind)``."""
        return Counter((s.event.source, str(s.event.kind)) for s in self.events)

    @property
    def sent(self) -> list[Outcome]:
        """The digests delivered (``detail`` is the ``.eml`` file)."""
        return [o for c in self.cycles if c.digests for o in c.digests.sent]


def prepare_directory(directory: Path | None) -> Path:
    """The demo's working folder: ``directory`` (created; it must hold nothing yet, so that
    the database is fresh), or a new temporary folder that is kept for the user to look at.

    :raises ConfigError: ``directory`` exists and is not an empty folder.
    """
    if directory is None:
        return Path(tempfile.mkdtemp(prefix="regwatch-demo-"))
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ConfigError(
            f"--dir {directory}: not an empty folder; the demo starts from a fresh database, "
            "so give it a new or empty folder"
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--dir {directory}: cannot create it: {exc.strerror or exc}") from None
    return directory


def run_demo(
    directory: Path,
    *,
    samples: Path | None = None,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Run the demo in ``directory`` (see :func:`prepare_directory`): start the sample server,
    write ``sources.yaml``, import the sample watch list into a fresh ``regwatch.db``, then run
    one cycle per CSL snapshot, and gather what was found."""
    say = progress or (lambda _: None)
    folder = samples or samples_dir()
    db_url = f"sqlite:///{directory / 'regwatch.db'}"
    config_path = directory / "sources.yaml"
    outbox = directory / "outbox"
    watchlist = directory / "watchlist.yaml"
    shutil.copyfile(folder / "watchlist.yaml", watchlist)
    mail = MailSettings(smtp=None, sender=parse_address(SENDER, "sender"), outbox=outbox)
    with SampleServer(folder) as server:
        say(f"sample server: {server.base} (Federal Register API, CSL, METI feed)")
        config_path.write_text(server.sources_yaml(today or date.today()), encoding="utf-8")
        config = load_config(str(config_path))
        with Store.open(db_url, create=True) as store:
            imported, _ = import_and_rescreen(store, watchlist)
            say(
                f"watch list: {imported.company}: {imported.added} watch item(s), "
                f"{imported.recipients or 0} recipient(s), from {watchlist.name}"
            )
            result = DemoResult(
                directory=directory,
                db_url=db_url,
                config_path=config_path,
                outbox=outbox,
                server=server.base,
                company=imported.company,
                imported=imported,
            )
            # An explicit transport: the server is local, never to be reached through a proxy
            # named in the environment.
            with Fetcher(config.http, transport=httpx.HTTPTransport()) as fetcher:
                daemon = build_daemon(store, config, fetcher, mail=mail)
                for number in range(1, server.snapshots + 1):
                    server.csl_snapshot = number
                    polls, outputs = daemon.run_once()
                    result.cycles.append(Cycle(number, number, polls, outputs.get("digests")))
            result.events = sorted(store.events(EventQuery()), key=lambda s: s.id)
            result.matches = list_matches(store, MatchQuery(company=result.company))
            result.near_misses = _near_misses(store, result)
    return result


def _near_misses(store: Store, result: DemoResult) -> list[NearMiss]:
    """Watched entities with no match, each with the closest entity name of the events: what
    the matcher rightly kept apart."""
    matched = {m["watch_item_id"] for m in result.matches}
    names = sorted(
        {
            name
            for s in result.events
            if s.event.entity is not None
            for name in (s.event.entity.name, *s.event.entity.aliases)
        }
    )
    out = []
    for item in watch_items(store, result.company):
        if item["kind"] != "entity" or not item["active"] or item["id"] in matched:
            continue
        scored = [
            (name_score(watched, name), name)
            for watched in (item["value"], *item["aliases"])
            for name in names
        ]
        score, closest = max(scored, default=(0.0, None))
        out.append(NearMiss(item["value"], closest, score))
    return out
