"""The one place that talks HTTP.

Every collector fetches through a :class:`Fetcher`, which gives each request:

- explicit timeouts and a descriptive User-Agent; redirects followed (the final URL is kept),
  but only among the hosts the source declares (see :meth:`Fetcher.scope`);
- a deadline per request and per poll that a server dribbling one byte at a time cannot stretch,
  and an immediate stop when the daemon shuts down (:meth:`Fetcher.cancel`);
- retries with exponential backoff and jitter on 429, 5xx, timeouts and connection errors,
  honouring ``Retry-After`` (seconds or an HTTP date) up to a cap, past which it fails rather than
  sleep for hours;
- a minimum interval between requests to one host (politeness; the Federal Register asks for at
  most 5 API requests and 1 XML request a second);
- conditional GET from stored validators (``ETag`` / ``Last-Modified``): a 304 comes back as a
  payload with ``status == 304`` and no body;
- a size cap, enforced while streaming and on the decoded bytes as they come out of the
  decompressor (stacked or unknown ``Content-Encoding`` is refused), and a byte budget per poll;
- error bodies read only as far as a short excerpt, with control characters removed;
- a content-type check: HTML where JSON or XML was expected (the Federal Register's bot
  "unblock" page answers 200 text/html) is an :class:`~regwatch.exceptions.UnexpectedContent`
  error, never data;
- 403, an empty 202 and redirects to a bot wall are :class:`~regwatch.exceptions.BlockedError`.
"""

from __future__ import annotations

import contextlib
import contextvars
import email.utils
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import httpcore
import httpx
from pydantic import BaseModel, ConfigDict, Field

from ._hosts import is_allowed
from ._httpio import (
    BoundedDecoder,
    Deadline,
    DecodeRefused,
    GuardedBackend,
    pop_deadline,
    push_deadline,
)
from ._terminal import printable
from ._version import __version__
from .exceptions import (
    BlockedError,
    DeadlineExceeded,
    FetchError,
    HostNotAllowed,
    HTTPStatusError,
    ResponseTooLarge,
    ShuttingDown,
    TransportError,
    UnexpectedContent,
)
from .model import Payload

__all__ = ["Expect", "Fetcher", "HttpSettings", "short_url"]

Expect = Literal["json", "xml", "html", "pdf", "any"]

#: content-type fragments accepted for each expected kind
_ACCEPTED: dict[str, tuple[str, ...]] = {
    "json": ("json",),
    "xml": ("xml",),
    "html": ("html",),
    "pdf": ("pdf", "octet-stream"),
}
_ACCEPT_HEADER = {
    "json": "application/json",
    "xml": "application/xml, text/xml;q=0.9, */*;q=0.1",
    "html": "text/html, application/xhtml+xml;q=0.9",
    "pdf": "application/pdf",
    "any": "*/*",
}
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: hosts that only ever answer a bot wall ("Request Access" page)
_BOT_WALL_HOSTS = ("unblock.federalregister.gov",)
#: redirects followed for one request before giving up
_MAX_REDIRECTS = 10
#: how much of an error body is read (the rest is never downloaded) and how much is shown
_ERROR_READ = 4096
_ERROR_SHOWN = 160


class HttpSettings(BaseModel):
    """The ``http`` section of ``sources.yaml``."""

    model_config = ConfigDict(extra="forbid")

    user_agent: str = Field(
        f"regwatch/{__version__} (export-control change monitor)",
        description="User-Agent sent with every request; put a contact address in it",
    )
    timeout: float = Field(30.0, gt=0, description="seconds to wait for a response")
    connect_timeout: float = Field(10.0, gt=0, description="seconds to wait for a connection")
    retries: int = Field(3, ge=0, description="retries after a 429, a 5xx or a timeout")
    backoff: float = Field(
        2.0, ge=0, description="first retry delay in seconds; doubles each retry"
    )
    max_retry_after: float = Field(
        300.0, ge=0, description="longest Retry-After honoured; a longer one fails the poll"
    )
    min_interval: float = Field(
        0.25, ge=0, description="minimum seconds between two requests to the same host"
    )
    max_bytes: int = Field(
        200_000_000, gt=0, description="largest response body accepted (after decompression)"
    )
    request_deadline: float = Field(
        300.0,
        gt=0,
        description="longest one request may take in all, however slowly the server sends",
    )
    poll_deadline: float = Field(
        3600.0, gt=0, description="longest one poll of one source may take, retries included"
    )
    poll_max_bytes: int = Field(
        1_000_000_000, gt=0, description="most bytes one poll of one source may download"
    )
    shutdown_grace: float = Field(
        10.0,
        ge=0,
        description="seconds a stopping daemon lets requests in flight finish before it "
        "abandons them (the poll is then stored as failed, nothing half-stored)",
    )


@dataclass
class _Scope:
    """What one poll of one source may do: where it may go, until when, how many bytes."""

    source: str
    hosts: frozenset[str] | None
    deadline: Deadline
    budget: int


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar(
    "regwatch_fetch_scope", default=None
)


@dataclass
class _Attempt:
    """Why one attempt failed; ``retry`` when another attempt could succeed."""

    error: FetchError
    retry_after: float | None = None
    retry: bool = True


class Fetcher:
    """A thread-safe HTTP client with regwatch's politeness and failure rules.

    :param transport: an httpx transport, for tests that need faults a real server cannot give.
    :param sleep: injectable for tests; the per-host interval and backoffs go through it.
    """

    def __init__(
        self,
        settings: HttpSettings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.settings = settings or HttpSettings()
        self._cancelled = threading.Event()
        # by default a wait ends early when the daemon shuts down
        self._sleep = self._cancelled.wait if sleep is None else sleep
        self._client = httpx.Client(
            headers={
                "User-Agent": self.settings.user_agent,
                # only what _read_capped decodes itself, with its count of decoded bytes
                "Accept-Encoding": "gzip, deflate",
            },
            timeout=httpx.Timeout(self.settings.timeout, connect=self.settings.connect_timeout),
            # redirects are followed by _send, which checks every hop's host first
            follow_redirects=False,
            transport=transport or _guarded_transport(self._cancelled),
        )
        self._lock = threading.Lock()
        self._last_request: dict[str, float] = {}
        #: how many requests went out (retries included), for fetch-run statistics
        self.requests = 0

    def close(self) -> None:
        self._client.close()

    def cancel(self) -> None:
        """Abandon every request in flight and refuse new ones (the daemon is stopping): a
        waiting read ends within a fraction of a second with :class:`ShuttingDown`."""
        self._cancelled.set()

    @contextlib.contextmanager
    def scope(self, source: str, hosts: Iterable[str] | None = None) -> Iterator[None]:
        """Within this block (in this thread), requests are one poll of ``source``: they may
        only reach ``hosts`` (``host:port`` or bare host names; ``None``: anywhere), all of them
        end by the poll deadline, and together they may download at most ``poll_max_bytes``."""
        deadline = Deadline(time.monotonic() + self.settings.poll_deadline, "poll")
        state = _Scope(
            source,
            frozenset(hosts) if hosts is not None else None,
            deadline,
            self.settings.poll_max_bytes,
        )
        token = _scope.set(state)
        deadline_token = push_deadline(deadline)
        try:
            yield
        finally:
            pop_deadline(deadline_token)
            _scope.reset(token)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        expect: Expect = "json",
        validators: Mapping[str, str] | None = None,
        min_interval: float | None = None,
        role: str = "",
    ) -> Payload:
        """GET ``url`` and return its body as a :class:`Payload`.

        :param expect: the kind of body wanted; anything else raises :class:`UnexpectedContent`.
        :param validators: ``{"etag": …, "last_modified": …}`` from the previous fetch; a 304
            answer returns a payload with ``status == 304`` and an empty body.
        :param min_interval: seconds between requests to this host for this call (e.g. 1.0 for
            the Federal Register's XML), instead of the configured default.
        :raises FetchError: after the retries are spent, or at once for non-retryable answers.
        """
        headers = {"Accept": _ACCEPT_HEADER[expect]}
        if validators:
            if validators.get("etag"):
                headers["If-None-Match"] = validators["etag"]
            if validators.get("last_modified"):
                headers["If-Modified-Since"] = validators["last_modified"]
        request = self._client.build_request("GET", url, params=params, headers=headers)
        self._check_host(str(request.url), "asked for")
        interval = self.settings.min_interval if min_interval is None else min_interval
        attempt = 0
        while True:
            self._wait_for_host(request.url.host, interval)
            outcome = self._attempt(request, expect, role)
            if isinstance(outcome, Payload):
                return outcome
            if not outcome.retry or attempt >= self.settings.retries:
                raise outcome.error
            delay = self._retry_delay(attempt, outcome.retry_after)
            if delay is None:
                raise FetchError(
                    f"{outcome.error} (Retry-After of {outcome.retry_after:.0f} s exceeds the "
                    f"{self.settings.max_retry_after:.0f} s cap)",
                    url=str(request.url),
                )
            scope = _scope.get()
            if scope is not None and delay >= scope.deadline.remaining():
                raise DeadlineExceeded(
                    f"{outcome.error} (no time left for a retry within the "
                    f"{self.settings.poll_deadline:.0f} s poll deadline)",
                    url=str(request.url),
                )
            self._sleep(delay)
            attempt += 1

    def _check_host(self, url: str, how: str) -> None:
        scope = _scope.get()
        if scope is not None and scope.hosts is not None and not is_allowed(url, scope.hosts):
            raise HostNotAllowed(
                f"{short_url(url)} ({how}) is not on a host {scope.source} may reach "
                f"({', '.join(sorted(scope.hosts))}); not fetched. Add the host to the "
                f"source's `allowed_hosts` if it is trusted",
                url=url,
            )

    def _send(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``, following redirects that stay on the allowed hosts."""
        for _ in range(_MAX_REDIRECTS + 1):
            response = self._client.send(request, stream=True)
            following = response.next_request
            if following is None:
                return response
            response.close()
            target = str(following.url)
            if following.url.host in _BOT_WALL_HOSTS:
                raise BlockedError(
                    f"{short_url(str(request.url))}: redirected to the bot wall at {target}",
                    url=str(request.url),
                )
            self._check_host(target, f"a redirect from {short_url(str(request.url))}")
            request = following
        raise FetchError(
            f"{short_url(str(request.url))}: more than {_MAX_REDIRECTS} redirects",
            url=str(request.url),
        )

    def _attempt(self, request: httpx.Request, expect: Expect, role: str) -> Payload | _Attempt:
        url = str(request.url)
        where = short_url(url)
        if self._cancelled.is_set():
            raise ShuttingDown(f"{where}: not fetched, shutting down", url=url)
        self.requests += 1
        deadline = Deadline(time.monotonic() + self.settings.request_deadline, "request")
        token = push_deadline(deadline)
        try:
            response = self._send(request)
            try:
                final_url = str(response.url)
                if response.status_code in _RETRY_STATUSES:
                    self._read_capped(response, url, _ERROR_READ)
                    return _Attempt(
                        HTTPStatusError(
                            f"{where}: HTTP {response.status_code}",
                            url=url,
                            status=response.status_code,
                        ),
                        _retry_after_seconds(response.headers.get("Retry-After")),
                    )
                body = self._read_capped(
                    response, url, _ERROR_READ if response.status_code >= 400 else None
                )
            finally:
                response.close()
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            stopped = self._stopped(deadline, url)
            if stopped is not None:
                raise stopped from None
            if isinstance(exc, httpx.TimeoutException):
                error = TransportError(f"{where}: timed out ({type(exc).__name__})", url=url)
            elif isinstance(exc, httpx.ConnectError):
                # A name that does not resolve or a refused connection will not mend in seconds
                # (offline, a typo, a firewall): say so once, at once, instead of retrying.
                return _Attempt(_unreachable(request.url.host, url, exc), retry=False)
            else:
                error = TransportError(f"{where}: {type(exc).__name__}: {exc}", url=url)
            return _Attempt(error)
        finally:
            pop_deadline(token)
        return self._check(response, body, url, final_url, expect, role)

    def _stopped(self, deadline: Deadline, url: str) -> FetchError | None:
        """The error to give when a wait ended because of a shutdown or a deadline (no retry
        helps then), else ``None``."""
        where = short_url(url)
        if self._cancelled.is_set():
            return ShuttingDown(f"{where}: abandoned, shutting down", url=url)
        scope = _scope.get()
        if scope is not None and scope.deadline.remaining() <= 0:
            return DeadlineExceeded(
                f"{where}: the poll took longer than its {self.settings.poll_deadline:.0f} s "
                "deadline (http.poll_deadline)",
                url=url,
            )
        if deadline.remaining() <= 0:
            return DeadlineExceeded(
                f"{where}: the request took longer than its "
                f"{self.settings.request_deadline:.0f} s deadline (http.request_deadline); "
                "the server is sending too slowly",
                url=url,
            )
        return None

    def _read_capped(self, response: httpx.Response, url: str, excerpt: int | None) -> bytes:
        """The decoded body, refused past the cap (or only its first ``excerpt`` bytes).

        The raw bytes are decoded here rather than by httpx so that every decoded byte is
        counted as it comes out: a small compressed body cannot expand past the cap in memory.
        """
        where = short_url(url)
        scope = _scope.get()
        cap, what = self.settings.max_bytes, "http.max_bytes"
        if scope is not None and scope.budget < cap:
            cap, what = scope.budget, "what is left of the poll's budget (http.poll_max_bytes)"
        declared = response.headers.get("Content-Length")
        encoded = bool(response.headers.get("Content-Encoding", "").strip())
        if excerpt is None and declared and declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(
                f"{where}: body of {declared} bytes exceeds {cap} ({what})", url=url
            )
        try:
            decoder = BoundedDecoder(response.headers.get("Content-Encoding"), excerpt or cap)
        except DecodeRefused as exc:
            raise UnexpectedContent(f"{where}: {exc}", url=url) from None
        try:
            for raw in response.iter_raw():
                decoder.feed(raw)
                if excerpt is not None and decoder.produced >= excerpt:
                    break
            else:
                decoder.finish()
        except DecodeRefused as exc:
            if excerpt is not None:
                pass  # an error body: its first bytes are all that is wanted
            elif decoder.produced > cap:
                raise ResponseTooLarge(
                    f"{where}: body {'decodes to' if encoded else 'is'} more than {cap} bytes "
                    f"({what})",
                    url=url,
                ) from None
            else:
                raise UnexpectedContent(f"{where}: {exc}", url=url) from None
        body = b"".join(decoder.pieces)
        if scope is not None:
            scope.budget -= len(body)
        return body[:excerpt] if excerpt is not None else body

    def _check(
        self,
        response: httpx.Response,
        body: bytes,
        url: str,
        final_url: str,
        expect: Expect,
        role: str,
    ) -> Payload:
        status = response.status_code
        content_type = response.headers.get("Content-Type")
        if response.url.host in _BOT_WALL_HOSTS:
            raise BlockedError(
                f"{short_url(url)}: redirected to the bot wall at {final_url}", url=url
            )
        if status == 304:
            return Payload(
                url=final_url,
                body=b"",
                content_type=content_type,
                status=304,
                fetched_at=datetime.now(UTC),
                role=role,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
        if status == 403:
            raise BlockedError(
                f"{short_url(url)}: HTTP 403 Forbidden (blocked as an automated client?)", url=url
            )
        if status == 202 and not body.strip():
            raise BlockedError(
                f"{short_url(url)}: HTTP 202 with an empty body (a bot challenge)", url=url
            )
        if status >= 400 or status < 200:
            raise HTTPStatusError(
                f"{short_url(url)}: HTTP {status}{_error_detail(body)}", url=url, status=status
            )
        _check_content_type(url, content_type, body, expect)
        return Payload(
            url=final_url,
            body=body,
            content_type=content_type,
            fetched_at=datetime.now(UTC),
            status=status,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            role=role,
        )

    def _retry_delay(self, attempt: int, retry_after: float | None) -> float | None:
        if retry_after is not None:
            return retry_after if retry_after <= self.settings.max_retry_after else None
        base = self.settings.backoff * 2.0**attempt
        return base + random.uniform(0, base / 2)

    def _wait_for_host(self, host: str, interval: float) -> None:
        """Wait until ``interval`` seconds have passed since the last request to ``host``."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._last_request.get(host, now - interval) + interval)
            self._last_request[host] = slot
        if slot > now:
            self._sleep(slot - now)


def _unreachable(host: str, url: str, exc: httpx.ConnectError) -> TransportError:
    text = str(exc)
    lowered = text.lower()
    if (
        "name or service not known" in lowered
        or "nodename nor servname" in lowered
        or ("temporary failure in name resolution" in lowered or "getaddrinfo" in lowered)
    ):
        why = "the name does not resolve"
    elif "refused" in lowered:
        why = "connection refused"
    else:
        why = text or type(exc).__name__
    return TransportError(
        f"cannot reach {host} ({why}) — offline? `regwatch demo` runs without network",
        url=url,
    )


def short_url(url: str) -> str:
    """A URL for messages: the query (often a long ``fields[]`` list) reduced to ``?…``."""
    base, sep, _ = url.partition("?")
    return f"{base}?…" if sep else base


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when: datetime = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _looks_like_html(body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _check_content_type(url: str, content_type: str | None, body: bytes, expect: Expect) -> None:
    if expect == "any":
        return
    ctype = (content_type or "").split(";")[0].strip().lower()
    accepted = _ACCEPTED[expect]
    if expect != "html" and ("html" in ctype or (not ctype and _looks_like_html(body))):
        raise UnexpectedContent(
            f"{short_url(url)}: expected {expect.upper()}, got an HTML page "
            f"({ctype or 'no content type'}); a bot wall or an error page, not data",
            url=url,
        )
    if ctype and not any(fragment in ctype for fragment in accepted):
        # text/plain JSON and XML exist in the wild; accept them when the body agrees.
        if ctype == "text/plain" and expect in ("json", "xml"):
            return
        raise UnexpectedContent(
            f"{short_url(url)}: expected {expect.upper()}, got {ctype}", url=url
        )


def _error_detail(body: bytes) -> str:
    """The start of an error body for the message: one short line, printable, never the whole
    body (it is stored in the source's health and shown by ``regwatch sources``)."""
    text = " ".join(printable(body[:_ERROR_READ].decode("utf-8", "replace")).split())
    if not text or text.startswith("<"):
        return ""
    if len(text) > _ERROR_SHOWN:
        text = text[:_ERROR_SHOWN].rstrip() + "…"
    return f": {text}"


def _guarded_transport(cancelled: threading.Event) -> httpx.HTTPTransport:
    """httpx's transport on sockets whose every wait respects the deadlines and the shutdown
    flag.  httpx has no option for the socket backend, so its connection pool (the same one it
    builds by default) is replaced by one with :class:`~regwatch._httpio.GuardedBackend`."""
    transport = httpx.HTTPTransport()
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        network_backend=GuardedBackend(cancelled),
    )
    return transport
