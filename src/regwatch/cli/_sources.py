"""Commands that set up the database and talk to the sources: init, poll, run, import, sources."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .._masking import mask_url
from ..exceptions import ConfigError
from ..timeutil import utcnow

if TYPE_CHECKING:  # the commands import what they use: `regwatch events` starts fast
    from ..config import Config
    from ..health import SourceHealth
    from ..pipeline import PollResult
    from ..sources import Source
    from ..store import ListSummary
from . import app
from ._context import get_context, say
from ._output import Format, echo, emit

__all__: list[str] = []


@app.command()
def init(
    ctx: typer.Context,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="add regwatch's tables even to a database holding other tables"
        ),
    ] = False,
) -> None:
    """Create the database, or upgrade its schema to this version of regwatch."""
    from ..reprocess import entity_parser_notice
    from ..sources._gpo_entities import PARSER_VERSION
    from ..store import Store

    appctx = get_context(ctx)
    with Store(appctx.db_url) as store:
        before, after = store.init(force=force)
    shown = mask_url(appctx.db_url)
    if before == after:
        say(ctx, f"database {shown} is up to date (schema {after})")
    elif before is None:
        say(ctx, f"created database {shown} (schema {after})")
    else:
        say(ctx, f"upgraded database {shown} from schema {before} to {after}")
    with Store(appctx.db_url) as store:
        notice = entity_parser_notice(store, PARSER_VERSION)
    if notice:
        echo(notice)


def _summary(result: PollResult) -> str:
    if not result.ok:
        return f"{result.source}: FAILED after {result.seconds:.1f}s: {result.error}"
    if result.not_modified:
        return f"{result.source}: not modified ({result.requests} requests, {result.seconds:.1f}s)"
    return (
        f"{result.source}: {result.new} new, {result.revised} revised, "
        f"{result.unchanged} unchanged ({result.requests} requests, {result.seconds:.1f}s)"
    )


def _check_names(names: list[str], config: Config) -> list[str]:
    from ..sources import get_source_class

    for name in names:
        if not get_source_class(name).pollable:
            raise ConfigError(f"source {name!r} cannot be polled; use `regwatch import {name}`")
    return names or config.enabled_sources()


def run_poll(ctx: typer.Context, names: list[str]) -> list[PollResult]:
    appctx = get_context(ctx)
    config = appctx.config
    names = _check_names(names, config)
    appctx.summaries_only()
    store = appctx.store(create=True)
    from ..http import Fetcher
    from ..pipeline import poll_sources

    with Fetcher(config.http) as fetcher:
        results = poll_sources(store, config, names, fetcher)
    for result in results:
        if result.ok:
            say(ctx, _summary(result))
        else:
            echo(_summary(result), err=True)
        for warning in result.warnings:
            echo(f"{result.source}: warning: {warning}", err=True)
    return results


@app.command()
def poll(
    ctx: typer.Context,
    sources: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[SOURCE]...", help="sources to poll (default: every enabled source)"
        ),
    ] = None,
) -> None:
    """Poll sources once now and store what changed; prints a summary per source."""
    results = run_poll(ctx, sources or [])
    if not all(r.ok for r in results):
        raise typer.Exit(1)


@app.command()
def run(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="one full cycle (poll every enabled source) and exit")
    ] = False,
) -> None:
    """The daemon: every enabled source on its schedule until SIGTERM or SIGINT.

    With --once: one full cycle (every enabled source now) and exit, for cron and timers.
    """
    from ..digest import MailSettings

    appctx = get_context(ctx)
    config = appctx.config
    # bad mail settings stop the daemon now (exit 2), not at every digest check
    mail = MailSettings.from_env()
    store = appctx.store(create=True)
    if not once:
        appctx.raise_log_level(logging.INFO)
    else:
        appctx.summaries_only()
    from ..daemon import build_daemon
    from ..http import Fetcher

    with Fetcher(config.http) as fetcher:
        daemon = build_daemon(store, config, fetcher, mail=mail)
        if not once:
            daemon.serve()
            return
        results, outputs = daemon.run_once()
    # Cron mails every line: a cycle in which nothing happened prints nothing.
    for result in results:
        if not result.ok:
            echo(_summary(result), err=True)
        elif result.new or result.revised:
            say(ctx, _summary(result))
        for warning in result.warnings:
            echo(f"{result.source}: warning: {warning}", err=True)
    report = outputs.get("digests")
    digests_ok = report is not None and not report.failed
    if report is not None and (report.sent or report.failed or report.waiting):
        line = (
            f"digests: {len(report.sent)} sent, {len(report.failed)} failed, "
            f"{len(report.waiting)} waiting to be retried"
        )
        if report.failed:
            echo(line, err=True)
        else:
            say(ctx, line)
        for outcome in report.failed:
            echo(f"digest to {outcome.email}: {outcome.detail}", err=True)
    if not all(r.ok for r in results) or not digests_ok:
        raise typer.Exit(1)


@app.command()
def healthcheck(ctx: typer.Context) -> None:
    """Exit 1 when an enabled source is failing, blocked or stale (for container health checks
    and monitoring); print the unhealthy ones."""
    from ..health import UNHEALTHY

    unhealthy = [h for h in _health(ctx) if h.status in UNHEALTHY]
    for h in unhealthy:
        detail = h.last_error or (f"newest item {h.newest_item_on}" if h.newest_item_on else "")
        echo(f"{h.name}: {h.status}: {detail}", err=True)
    if unhealthy:
        raise typer.Exit(1)
    echo("ok")


def _health(ctx: typer.Context) -> list[SourceHealth]:
    from ..health import source_health
    from ..sources import SOURCES

    appctx = get_context(ctx)
    config = appctx.config
    rows = appctx.store().source_state_rows()
    now = utcnow()
    return [
        source_health(name, config.sources[name], cls.default_every, rows.get(name), now)
        for name, cls in SOURCES.items()
        if cls.pollable
    ]


def _import_options_help() -> str:
    """The options every importable source declares, for ``regwatch import --help`` (added
    to the help only when it is asked for: it needs every source's module)."""
    from ..sources import SOURCES

    lines = [
        f"--{o.name} {o.metavar}: {o.help}" for cls in SOURCES.values() for o in cls.import_options
    ]
    return "Options of particular sources:\n\n" + "\n\n".join(lines) if lines else ""


@app.command(
    "import",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def import_(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="the source whose parser reads the files")],
    paths: Annotated[list[Path], typer.Argument(help="saved payload files", exists=False)],
) -> None:
    """Feed saved payload files through a source's parser (offline backfill).

    For federal_register: saved API responses (documents.json search pages, single documents,
    public-inspection pages).  For meti_eul: End User List editions (METI's PDF, or a CSV/XLSX
    with its six columns).  All files are parsed before anything is stored.
    """
    appctx = get_context(ctx)
    from ..pipeline import build_source, import_files
    from ..sources import get_source_class

    cls = get_source_class(source)
    # The source's own options (`--edition DATE`) arrive among the paths: click cannot know
    # them before it knows the source, so they are taken out here by their declared names.
    files, options = _split_options(cls, [str(p) for p in paths] + list(ctx.args))
    instance = build_source(cls.name, appctx.config)
    result = import_files(appctx.store(create=True), instance, [Path(f) for f in files], options)
    say(
        ctx,
        f"{source}: imported {len(files)} file(s): {len(result.new_ids)} new, "
        f"{len(result.revised_ids)} revised, {result.unchanged} unchanged",
    )


def _split_options(cls: type[Source[Any]], words: list[str]) -> tuple[list[str], dict[str, Any]]:
    declared = {f"--{o.name}": o for o in cls.import_options}
    files: list[str] = []
    options: dict[str, Any] = {}
    items = iter(words)
    for word in items:
        name, eq, inline = word.partition("=")
        if not name.startswith("--"):
            files.append(word)
            continue
        option = declared.get(name)
        if option is None:
            known = ", ".join(declared) or "none"
            raise ConfigError(
                f"{name}: not an option of `import {cls.name}` (its options: {known})"
            )
        value = inline if eq else next(items, None)
        if value is None:
            raise ConfigError(f"{name} needs a value ({option.metavar})")
        try:
            options[option.name] = option.convert(value)
        except ValueError as exc:
            raise ConfigError(f"{name}: {exc}") from None
    if not files:
        raise ConfigError(f"import {cls.name}: give at least one file")
    return files, options


@app.command("sources")
def sources_(
    ctx: typer.Context,
    fmt: Annotated[
        Format, typer.Option("--format", help="table, json, jsonl or csv")
    ] = Format.table,
) -> None:
    """Health of every source (last success, last error, failures, newest item, next run), and
    every list: its size, its newest change and when it was last read."""
    health = _health(ctx)
    lists = get_context(ctx).store().list_summaries()
    last_read = {h.name: h.last_success_at for h in health}
    records = [
        {
            **h.to_json(),
            "lists": [_list_record(s, last_read) for s in lists if h.name in s.sources],
        }
        for h in health
    ]
    if fmt in (Format.json, Format.jsonl):
        emit(records, fmt, [])
        return
    emit(
        records,
        fmt,
        [
            ("name", "source"),
            ("status", "status"),
            ("schedule", "schedule"),
            ("last_success_at", "last success"),
            ("consecutive_failures", "failures"),
            ("last_error", "last error"),
            ("newest_item_on", "newest item"),
            ("next_run_at", "next run"),
        ],
        optional=("consecutive_failures", "newest_item_on", "next_run_at"),
    )
    if fmt != Format.table:
        return  # one CSV is one table: the lists are in the JSON (nested under each source)
    if lists:
        echo("")
        emit(
            [
                {**r, "sources": ", ".join(r["sources"])}
                for r in (_list_record(s, last_read) for s in lists)
            ],
            fmt,
            [
                ("list", "list"),
                ("size", "listed now"),
                ("newest_change_on", "newest change"),
                ("newest_change_at", "seen"),
                ("last_read_at", "last read"),
                ("sources", "read by"),
            ],
        )
    _extraction_faults(ctx)
    sys.stdout.flush()


def _list_record(summary: ListSummary, last_read: dict[str, Any]) -> dict[str, Any]:
    """A list's summary, with when the sources that write it last read it (the latest)."""
    reads = [last_read[s] for s in summary.sources if last_read.get(s)]
    record = summary.to_json()
    record["last_read_at"] = max(reads).isoformat() if reads else None
    return record


def _extraction_faults(ctx: typer.Context) -> None:
    """Under the table: open unannounced findings, which may be regwatch's own misreadings."""
    from ..ops import fault_line
    from ..reconcile import extraction_faults

    faults = extraction_faults(get_context(ctx).store())
    if not faults:
        return
    echo(
        f"\n{len(faults)} listing change(s) that no rule regwatch read announces (possible "
        "extraction faults of regwatch; see `regwatch reconcile`):"
    )
    for fault in faults:
        echo(f"  - {fault_line(fault)}")
