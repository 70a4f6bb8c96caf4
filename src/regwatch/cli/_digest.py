"""Commands for e-mail digests: digest preview, digest send, deliveries, test-email."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .._terminal import printable
from ..exceptions import ConfigError, DeliveryError
from . import app
from ._context import get_context, say
from ._output import Format, echo, emit

if TYPE_CHECKING:
    from ..digest import Outcome

__all__: list[str] = []

digest_app = typer.Typer(
    help="Preview and send e-mail digests.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(digest_app, name="digest")


class PreviewFormat(StrEnum):
    text = "text"
    html = "html"


@digest_app.command("preview")
def preview_(
    ctx: typer.Context,
    company: Annotated[str, typer.Option("--company", help="the company, as in its watch list")],
    recipient: Annotated[
        str | None,
        typer.Option(
            "--recipient",
            help="show this recipient's next digest (default: the company's matches that no "
            "digest carried yet, all tiers and sources)",
        ),
    ] = None,
    fmt: Annotated[
        PreviewFormat, typer.Option("--format", help="text or html")
    ] = PreviewFormat.text,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write to this file instead of stdout")
    ] = None,
) -> None:
    """Show the digest as it would be sent now; marks nothing as delivered."""
    appctx = get_context(ctx)
    from ..digest import preview, render

    digest = preview(appctx.store(), appctx.config.general.digest, company, recipient)
    if not digest.items:
        who = recipient or company
        echo(f"nothing to send: no undelivered matches for {who}", err=True)
        return
    rendered = render(digest)
    if fmt == PreviewFormat.html:
        content = rendered.html
    else:
        content = f"Subject: {rendered.subject}\n\n{rendered.text}"
    if output is None:
        typer.echo(printable(content), nl=False)
        return
    try:
        output.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--output {output}: cannot write: {exc.strerror or exc}") from None
    echo(f"wrote {output}: {rendered.subject}", err=True)


def _describe(o: Outcome) -> str:
    ref = f" [delivery {o.delivery_id}]" if o.delivery_id else ""
    who = f"{o.email} ({o.company}, {o.period})"
    if o.status == "sent":
        done = "written" if str(o.detail).endswith(".eml") else "sent"
        return f"{done}: {who}: {o.items} items, {o.matches} matches -> {o.detail}{ref}"
    if o.status == "failed":
        when = f"{o.next_attempt_at:%Y-%m-%dT%H:%M:%SZ}" if o.next_attempt_at else "?"
        return f"FAILED: {who}: {o.detail} (attempt {o.attempts}; next try at {when}){ref}"
    if o.status == "error":
        return f"ERROR: {o.email} ({o.company}): {o.detail}"
    if o.status in ("rejected", "expired"):
        return f"{o.status.upper()} (not retried): {who}: {o.detail}{ref}"
    subject = f": {o.subject}" if o.subject else ""
    return f"{o.status}: {who}: {o.matches} matches{subject}{ref} ({o.detail})"


@digest_app.command("send")
def send(
    ctx: typer.Context,
    company: Annotated[
        str | None, typer.Option("--company", help="only this company's recipients")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="say what would be sent; write and send nothing")
    ] = False,
) -> None:
    """Send the digests that are due now, and retry failed deliveries whose time has come.

    Exit status 1 when a delivery failed (it stays in the outbox and is retried later).
    """
    appctx = get_context(ctx)
    from ..digest import send_due

    report = send_due(
        appctx.store(),
        appctx.config.general.digest,
        company=company,
        dry_run=dry_run,
        operator=appctx.config.general.ops.email,
    )
    for outcome in report.outcomes:
        if outcome.failed:
            echo(_describe(outcome), err=True)
        else:
            say(ctx, _describe(outcome))
    for outcome in report.waiting:
        when = f"{outcome.next_attempt_at:%Y-%m-%dT%H:%M:%SZ}" if outcome.next_attempt_at else "?"
        state = "failed" if outcome.status == "failed" else "tried"
        echo(
            f"waiting: {outcome.email} ({outcome.company}, {outcome.period}) {state} "
            f"{outcome.attempts} time(s), next try at {when}: {outcome.detail} "
            f"[delivery {outcome.delivery_id}]",
            err=True,
        )
    if not report.outcomes and not report.waiting:
        say(ctx, "nothing due" + (" (dry run)" if dry_run else ""))
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def deliveries(
    ctx: typer.Context,
    company: Annotated[str | None, typer.Option("--company", help="only this company")] = None,
    fmt: Annotated[
        Format, typer.Option("--format", help="table, json, jsonl or csv")
    ] = Format.table,
    limit: Annotated[
        int | None, typer.Option(help="at most N deliveries, newest first (default: all)", min=1)
    ] = None,
) -> None:
    """The audit trail: what was sent to whom, when, with which matches (newest first)."""
    from ..digest import list_deliveries

    records = list_deliveries(get_context(ctx).store(), company, limit)
    for record in records:
        # an .eml file in the outbox was written, not sent: no mail server has seen it
        if record["status"] == "sent" and str(record.get("transport") or "").endswith(".eml"):
            record["status"] = "written"
    if fmt == Format.table:
        columns = [
            ("id", "id"),
            ("company", "company"),
            ("recipient", "recipient"),
            ("channel", "channel"),
            ("period", "period"),
            ("status", "status"),
            ("attempts", "tries"),
            ("sent_at", "sent or written"),
            ("match_count", "matches"),
            ("last_error", "last error"),
        ]
    else:
        keys = ["id", "created_at", "company", "recipient", "channel", "period", "status"]
        keys += ["attempts"]
        keys += ["sent_at", "match_ids", "last_error", "message_id", "subject"]
        columns = [(key, key) for key in keys]
    emit(records, fmt, columns, optional=("attempts", "match_count", "period", "company"))


@app.command("test-email")
def test_email(
    ctx: typer.Context,
    address: Annotated[str, typer.Argument(help="where to send the test message")],
) -> None:
    """Send a test message and report each step of the SMTP conversation.

    Exit status 1 when the message was not accepted, 2 when REGWATCH_SMTP_URL or
    REGWATCH_MAIL_FROM is malformed.
    """
    appctx = get_context(ctx)
    from ..digest import MailSettings, send_test_email
    from ..digest._settings import parse_address

    mail = MailSettings.from_env()
    try:
        parse_address(address, "ADDRESS")
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    settings = appctx.config.general.digest
    transport = mail.transport(settings.smtp_timeout)
    echo(
        f"sending a test message to {address} from {mail.sender.addr_spec} "
        f"via {transport.describe()}"
    )
    try:
        where = send_test_email(address, mail, settings, progress=lambda step: echo(f"  {step}"))
    except DeliveryError as exc:
        echo(f"FAILED: {exc}", err=True)
        raise typer.Exit(1) from None
    echo(f"OK: the test message was accepted ({where})")


@app.command("test-notify")
def test_notify_(
    ctx: typer.Context,
    recipient: Annotated[str, typer.Argument(help="the recipient's e-mail address")],
    company: Annotated[
        str | None, typer.Option("--company", help="only this company's recipient")
    ] = None,
) -> None:
    """Send a test message through every channel of a recipient (e-mail, webhooks, chat) and
    report each.

    Exit status 1 when a channel did not take it, 2 when no active recipient has that address.
    """
    from ..digest import check_channels

    appctx = get_context(ctx)
    checks = check_channels(appctx.store(), appctx.config.general.digest, recipient, company)
    for check in checks:
        line = f"{check.channel} {check.destination} ({check.company}): {check.detail}"
        echo(("OK: " if check.ok else "FAILED: ") + line, err=not check.ok)
    if not all(check.ok for check in checks):
        raise typer.Exit(1)
