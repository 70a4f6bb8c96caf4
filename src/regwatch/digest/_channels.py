"""Channels besides e-mail: signed webhooks and chat services (Slack, Microsoft Teams, Discord
and the rest Apprise supports), sent from the same durable outbox as e-mail.

Webhooks follow the Standard Webhooks convention (https://www.standardwebhooks.com): each POST
carries ``webhook-id`` (the delivery id, the same on every retry, so a receiver drops a repeat),
``webhook-timestamp`` and ``webhook-signature`` (``v1,`` + base64 HMAC-SHA256 of
``id.timestamp.body`` with the shared secret), so that receivers verify with the convention's
own libraries.  The body is JSON: ``{"type", "timestamp", "data"}``, one per digest or one per
match.

A 2xx answer is success.  A 4xx that means "never" (any but 408, 409, 425 and 429) stops the
retries: the delivery is marked ``rejected`` and reported.  Anything else is retried with the
outbox's backoff for ``digest.webhook_retry_hours`` (24 hours), then marked ``expired``.

Chat messages are shortened to what a chat shows (the counts, then one line per item, up to
:data:`CHAT_ITEMS`), each with a link to the full item.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from standardwebhooks import Webhook

from ..exceptions import DeliveryError
from ._model import Digest, Item
from ._render import clip, one_line, severity_counts, subject_line
from ._severity import LEVELS
from ._words import sentence

__all__ = [
    "CHAT_ITEMS",
    "ChannelError",
    "Channels",
    "digest_payload",
    "match_payloads",
    "probe_payload",
    "redact",
]

log = logging.getLogger("regwatch.digest")

#: items a chat message lists before "… and N more"
CHAT_ITEMS = 5
CHAT_LINE_LIMIT = 200
#: 4xx answers that may succeed later: timeout, conflict, too early, too many requests
_RETRYABLE_4XX = frozenset({408, 409, 425, 429})
#: Apprise services that post to the host the URL names (no token in the host)
_HTTP_LIKE = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})


class ChannelError(DeliveryError):
    """A webhook or chat delivery failed; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def redact(url: str) -> str:
    """``url`` without user info, secrets or query: what a listing and a log may show.

    Webhook URLs often carry a token in the query: shown with their host and path.  Chat URLs
    carry their tokens in the host and path (``slack://TokenA/TokenB/TokenC``): shown as the
    service alone, except Apprise's plain HTTP services (``json://``, ``form://``, ``xml://``),
    whose host is a host.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    if parts.scheme in ("http", "https"):
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    if parts.scheme in _HTTP_LIKE:
        return f"{parts.scheme}://{host}/…"
    return f"{parts.scheme}://…"


# -- bodies -----------------------------------------------------------------------------------


def item_link(item: Item, web_url: str | None) -> str | None:
    """The full item: on regwatch's web page when configured, else the source's own page."""
    if web_url:
        return f"{web_url.rstrip('/')}/review/events/{item.event.id}"
    url = item.event.event.url
    return url if url and url.startswith(("http://", "https://")) else None


def _item_json(item: Item, web_url: str | None) -> dict[str, Any]:
    event = item.event.event
    entity = event.entity
    return {
        "event_id": item.event.id,
        "severity": item.severity.value,
        "sentence": one_line(sentence(item)),
        "kind": str(event.kind),
        "source": event.source,
        "title": event.title,
        "title_en": event.data.get("title_en"),
        "entity": None
        if entity is None
        else {
            "name": entity.name,
            "aliases": list(entity.aliases),
            "addresses": list(entity.addresses),
        },
        "list": event.list_code,
        "country": event.country,
        "citation": event.citation,
        "document_number": event.document_number,
        "published_on": event.published_on.isoformat() if event.published_on else None,
        "effective_on": event.effective_on.isoformat() if event.effective_on else None,
        "changes": event.changes,
        "url": event.url,
        "link": item_link(item, web_url),
        "matches": [
            {
                "match_id": r.match_id,
                "watch_kind": r.watch_kind,
                "watch_value": r.watch_value,
                "field": r.field,
                "score": r.score,
                "tier": r.tier,
                "severity": r.severity(str(event.kind)).value,
            }
            for r in item.reasons
        ],
    }


def _envelope(kind: str, when: datetime, data: Mapping[str, Any]) -> bytes:
    document = {"type": kind, "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "data": data}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def digest_payload(
    digest: Digest, delivery_id: int, period: str, when: datetime, web_url: str | None
) -> tuple[str, bytes]:
    """``(webhook-id, body)`` of a digest: every item, not only the listed ones."""
    data = {
        "delivery_id": delivery_id,
        "company": digest.recipient.company,
        "recipient": digest.recipient.email,
        "period": period,
        "counts": {level.value: digest.count(level) for level in LEVELS},
        "items": [_item_json(item, web_url) for item in digest.items],
    }
    return f"regwatch-{delivery_id}", _envelope("regwatch.digest", when, data)


def match_payloads(
    digest: Digest, delivery_id: int, when: datetime, web_url: str | None
) -> list[tuple[str, bytes]]:
    """``(webhook-id, body)`` per match, each naming its event (an event matched twice is
    sent twice, once per match)."""
    out = []
    for item in digest.items:
        base = _item_json(item, web_url)
        for reason, match in zip(item.reasons, base["matches"], strict=True):
            data = {
                "delivery_id": delivery_id,
                "company": digest.recipient.company,
                "recipient": digest.recipient.email,
                "match": match,
                "event": {k: v for k, v in base.items() if k != "matches"},
            }
            webhook_id = f"regwatch-{delivery_id}-{reason.match_id}"
            out.append((webhook_id, _envelope("regwatch.match", when, data)))
    return out


def chat_message(digest: Digest, web_url: str | None) -> tuple[str, str]:
    """``(title, body)``: the counts, then one short line per item with its link."""
    lines = []
    for item in digest.items[:CHAT_ITEMS]:
        text = clip(one_line(sentence(item, short=True)), CHAT_LINE_LIMIT)
        link = item_link(item, web_url)
        lines.append(f"{item.severity.mark} {text}" + (f" <{link}>" if link else ""))
    rest = len(digest.items) - CHAT_ITEMS
    if rest > 0:
        more = f"… and {rest} more"
        if web_url:
            more += f": {web_url.rstrip('/')}/"
        lines.append(more)
    title = subject_line(digest) if digest.items else f"[regwatch] {severity_counts(digest)}"
    return title, "\n".join(lines)


# -- sending ----------------------------------------------------------------------------------


@dataclass
class Channels:
    """The senders of one outbox run (one HTTP connection pool for every webhook)."""

    timeout: float = 10.0
    environ: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        self._client: httpx.Client | None = None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> Channels:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout, follow_redirects=False)
        return self._client

    def secret(self, options: Mapping[str, Any]) -> Webhook:
        """:raises ChannelError: the secret's variable is unset or not a Standard Webhooks
        secret (``whsec_`` + base64); permanent until the operator sets it."""
        name = str(options.get("secret_env") or "")
        env = os.environ if self.environ is None else self.environ
        value = env.get(name, "")
        if not value:
            raise ChannelError(f"webhook secret: the environment variable {name or '?'} is unset")
        try:
            return Webhook(value)
        except Exception as exc:  # binascii.Error, EmptyWebhookSecretError
            raise ChannelError(
                f"webhook secret in {name}: expected whsec_ followed by base64 ({exc})"
            ) from None

    def post(self, url: str, signer: Webhook, webhook_id: str, body: bytes) -> int:
        """POST one signed body; the status when 2xx.

        :raises ChannelError: the receiver refused (``permanent`` for a 4xx that means never) or
            could not be reached.
        """
        # the signature's timestamp is the wall clock at sending: receivers refuse old ones
        now = datetime.fromtimestamp(int(time.time()), tz=UTC)
        headers = {
            "content-type": "application/json",
            "user-agent": "regwatch-webhook",
            "webhook-id": webhook_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signer.sign(webhook_id, now, body.decode("utf-8")),
        }
        try:
            response = self._http().post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ChannelError(f"webhook {redact(url)}: {type(exc).__name__}: {exc}") from None
        status = response.status_code
        if 200 <= status < 300:
            return status
        reason = one_line(response.text, 200)
        permanent = 400 <= status < 500 and status not in _RETRYABLE_4XX
        what = "refused for good" if permanent else "failed"
        raise ChannelError(
            f"webhook {redact(url)} {what}: HTTP {status}" + (f": {reason}" if reason else ""),
            permanent=permanent,
        )

    def send_webhook(
        self,
        url: str,
        options: Mapping[str, Any],
        digest: Digest,
        delivery_id: int,
        period: str,
        when: datetime,
        web_url: str | None,
    ) -> str:
        """Every body of one delivery, in order; retried whole (receivers drop repeats by id)."""
        signer = self.secret(options)
        if options.get("body") == "match":
            bodies = match_payloads(digest, delivery_id, when, web_url)
        else:
            bodies = [digest_payload(digest, delivery_id, period, when, web_url)]
        for webhook_id, body in bodies:
            self.post(url, signer, webhook_id, body)
        return f"webhook {redact(url)} ({len(bodies)} POST{'s' if len(bodies) != 1 else ''})"

    def send_chat(self, url: str, title: str, body: str) -> str:
        """One message through Apprise.

        :raises ChannelError: the URL is unusable (permanent) or the service did not take it.
        """
        import apprise

        notifier = apprise.Apprise()
        if not notifier.add(url):
            raise ChannelError(f"chat {redact(url)}: Apprise cannot read the URL", permanent=True)
        with apprise.LogCapture(level=logging.WARNING) as output:  # type: ignore[no-untyped-call]
            ok = notifier.notify(title=title, body=body)
            detail = one_line(output.getvalue(), 300)
        if not ok:
            raise ChannelError(
                f"chat {redact(url)}: not delivered" + (f": {detail}" if detail else "")
            )
        return f"chat {redact(url)}"


def probe_payload(company: str, email: str, when: datetime) -> tuple[str, bytes]:
    """The body of ``regwatch test-notify`` for a webhook."""
    data = {"company": company, "recipient": email, "message": "regwatch test notification"}
    return f"regwatch-test-{int(when.timestamp())}", _envelope("regwatch.test", when, data)
