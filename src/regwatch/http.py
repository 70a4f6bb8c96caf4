"""The one place that talks HTTP.

Every collector fetches through a :class:`Fetcher`, which gives each request:

- explicit timeouts and a descriptive User-Agent; redirects followed (the final URL is kept);
- retries with exponential backoff and jitter on 429, 5xx, timeouts and connection errors,
  honouring ``Retry-After`` (seconds or an HTTP date) up to a cap, past which it fails rather than
  sleep for hours;
- a minimum interval between requests to one host (politeness; the Federal Register asks for at
  most 5 API requests and 1 XML request a second);
- conditional GET from stored validators (``ETag`` / ``Last-Modified``): a 304 comes back as a
  payload with ``status == 304`` and no body;
- a size cap, enforced while streaming;
- a content-type check: HTML where JSON or XML was expected (the Federal Register's bot
  "unblock" page answers 200 text/html) is an :class:`~regwatch.exceptions.UnexpectedContent`
  error, never data;
- 403, an empty 202 and redirects to a bot wall are :class:`~regwatch.exceptions.BlockedError`.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ._version import __version__
from .exceptions import (
    BlockedError,
    FetchError,
    HTTPStatusError,
    ResponseTooLarge,
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
    max_bytes: int = Field(200_000_000, gt=0, description="largest response body accepted")


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
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or HttpSettings()
        self._sleep = sleep
        self._client = httpx.Client(
            headers={"User-Agent": self.settings.user_agent},
            timeout=httpx.Timeout(self.settings.timeout, connect=self.settings.connect_timeout),
            follow_redirects=True,
            transport=transport,
        )
        self._lock = threading.Lock()
        self._last_request: dict[str, float] = {}
        #: how many requests went out (retries included), for fetch-run statistics
        self.requests = 0

    def close(self) -> None:
        self._client.close()

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
            self._sleep(delay)
            attempt += 1

    def _attempt(self, request: httpx.Request, expect: Expect, role: str) -> Payload | _Attempt:
        url = str(request.url)
        where = short_url(url)
        self.requests += 1
        try:
            response = self._client.send(request, stream=True)
            try:
                final_url = str(response.url)
                if response.status_code in _RETRY_STATUSES:
                    response.read()
                    return _Attempt(
                        HTTPStatusError(
                            f"{where}: HTTP {response.status_code}",
                            url=url,
                            status=response.status_code,
                        ),
                        _retry_after_seconds(response.headers.get("Retry-After")),
                    )
                body = self._read_capped(response, url)
            finally:
                response.close()
        except httpx.TimeoutException as exc:
            return _Attempt(TransportError(f"{where}: timed out ({type(exc).__name__})", url=url))
        except httpx.ConnectError as exc:
            # A name that does not resolve or a refused connection will not mend in seconds
            # (offline, a typo, a firewall): say so once, at once, instead of retrying.
            return _Attempt(_unreachable(request.url.host, url, exc), retry=False)
        except httpx.TransportError as exc:
            return _Attempt(TransportError(f"{where}: {type(exc).__name__}: {exc}", url=url))
        return self._check(response, body, url, final_url, expect, role)

    def _read_capped(self, response: httpx.Response, url: str) -> bytes:
        cap = self.settings.max_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(
                f"{short_url(url)}: body of {declared} bytes exceeds {cap}", url=url
            )
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:
                raise ResponseTooLarge(f"{short_url(url)}: body exceeds {cap} bytes", url=url)
            chunks.append(chunk)
        return b"".join(chunks)

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
    text = body[:300].decode("utf-8", "replace").strip()
    if not text or text.lstrip().startswith("<"):
        return ""
    return f": {' '.join(text.split())}"
