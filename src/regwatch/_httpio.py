"""The socket-level guards under :mod:`regwatch.http`: bounded decoding and deadlines.

Two attacks a hostile server can make that the ordinary client settings do not stop:

- a small body that decompresses to gigabytes, or a stack of encodings (``gzip, gzip``) each
  expanding the last: :class:`BoundedDecoder` decodes one known encoding itself and counts the
  bytes as they come out, so it stops at the cap having held at most the cap;
- a server that sends one byte just inside every read timeout: :class:`GuardedBackend` gives
  each socket read at most what is left of the current deadline (and notices a shutdown), so a
  request never outlives its deadline by more than a fraction of a second.
"""

from __future__ import annotations

import contextvars
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpcore

__all__ = [
    "SUPPORTED_ENCODINGS",
    "BoundedDecoder",
    "Deadline",
    "DecodeRefused",
    "GuardedBackend",
    "WaitStopped",
    "current_deadlines",
    "encodings_of",
    "pop_deadline",
    "push_deadline",
]

#: the content encodings regwatch decodes itself (and so the only ones it asks for)
SUPPORTED_ENCODINGS = ("gzip", "x-gzip", "deflate")
#: the most bytes one decompression step produces
_PIECE = 1 << 20
#: the longest a single socket wait lasts before the deadline and shutdown flag are checked again
_SLICE = 0.25


class DecodeRefused(Exception):
    """The body's encoding is stacked, unknown or corrupt, or it decodes past the cap."""


def encodings_of(header: str | None) -> list[str]:
    """The codings of a ``Content-Encoding`` header, in the order they were applied."""
    if not header:
        return []
    codings = [c.strip().lower() for c in header.split(",")]
    return [c for c in codings if c and c != "identity"]


class BoundedDecoder:
    """Decodes one content coding, never producing more than ``cap`` bytes in total.

    :raises DecodeRefused: for a stacked or unknown coding (at construction), corrupt data, or
        output past ``cap`` (as soon as it happens: at most ``cap + 1`` bytes are ever produced).
    """

    def __init__(self, header: str | None, cap: int) -> None:
        codings = encodings_of(header)
        if len(codings) > 1:
            raise DecodeRefused(f"stacked content encodings ({header}) refused")
        if codings and codings[0] not in SUPPORTED_ENCODINGS:
            raise DecodeRefused(f"unknown content encoding {codings[0]!r} refused")
        self.coding = codings[0] if codings else None
        self.cap = cap
        self.produced = 0
        #: the decoded body so far (never more than ``cap`` bytes)
        self.pieces: list[bytes] = []
        self._zlib: Any = None
        self._raw_fallback = self.coding == "deflate"
        if self.coding is not None:
            self._zlib = self._new_decompressor()

    def _new_decompressor(self) -> Any:
        if self.coding == "deflate":
            return zlib.decompressobj(zlib.MAX_WBITS)  # zlib-wrapped, as RFC 9110 says
        return zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip

    def feed(self, data: bytes) -> None:
        """Decode ``data`` into :attr:`pieces`; past the cap, keep what fits and raise."""
        if self._zlib is None:
            self._keep(data)
            return
        pending = data
        # Each turn either consumes input or produces output bounded by the room left, so the
        # loop ends; a gzip stream of several members restarts on the data after each member.
        while pending:
            try:
                # small pieces: the body never exists twice (a piece and its trimmed copy)
                room = min(self.cap - self.produced + 1, _PIECE)
                piece = self._zlib.decompress(pending, room)
            except zlib.error as exc:
                if self._raw_fallback and self.produced == 0:
                    # Some servers send raw deflate without the zlib wrapper.
                    self._raw_fallback = False
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise DecodeRefused(f"corrupt {self.coding} data: {exc}") from None
            self._raw_fallback = False
            self._keep(piece)
            if self._zlib.unconsumed_tail:
                pending = self._zlib.unconsumed_tail
            elif self._zlib.eof and self._zlib.unused_data and self.coding != "deflate":
                pending = self._zlib.unused_data
                self._zlib = self._new_decompressor()
            else:
                pending = b""

    def finish(self) -> None:
        """The end of the body: a compressed stream must be complete."""
        if self._zlib is None:
            return
        if not self._zlib.eof:
            raise DecodeRefused(f"truncated or corrupt {self.coding} data")
        self._keep(self._zlib.flush())

    def _keep(self, piece: bytes) -> None:
        if not piece:
            return
        room = self.cap - self.produced
        self.produced += len(piece)
        self.pieces.append(piece[:room] if len(piece) > room else piece)
        if self.produced > self.cap:
            raise DecodeRefused(f"decodes to more than {self.cap} bytes")


@dataclass
class Deadline:
    """When the request (or poll) in this thread must be over, and why."""

    at: float
    what: str

    def remaining(self) -> float:
        return self.at - time.monotonic()


#: the deadlines of the request in flight in this thread (and of the poll around it)
_current: contextvars.ContextVar[tuple[Deadline, ...]] = contextvars.ContextVar(
    "regwatch_deadlines", default=()
)


class WaitStopped(httpcore.ReadTimeout):
    """A socket wait stopped because a deadline passed or regwatch is shutting down."""


def push_deadline(deadline: Deadline) -> contextvars.Token[tuple[Deadline, ...]]:
    return _current.set((*_current.get(), deadline))


def pop_deadline(token: contextvars.Token[tuple[Deadline, ...]]) -> None:
    _current.reset(token)


def current_deadlines() -> tuple[Deadline, ...]:
    return _current.get()


def _budget(timeout: float | None, cancelled: threading.Event) -> tuple[float | None, str]:
    """How long the next wait may last (``None``: no limit) and what limits it."""
    if cancelled.is_set():
        raise WaitStopped("shutting down")
    limit, why = timeout, "timeout"
    for deadline in _current.get():
        left = deadline.remaining()
        if left <= 0:
            raise WaitStopped(f"{deadline.what} deadline passed")
        if limit is None or left < limit:
            limit, why = left, deadline.what
    return limit, why


class _GuardedStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, cancelled: threading.Event) -> None:
        self._inner = inner
        self._cancelled = cancelled

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            limit, _ = _budget(None if end is None else end - time.monotonic(), self._cancelled)
            wait = _SLICE if limit is None else max(0.0, min(limit, _SLICE))
            try:
                return self._inner.read(max_bytes, wait)
            except httpcore.ReadTimeout:
                if end is not None and time.monotonic() >= end:
                    raise
                # a short wait ended: check the deadline and the shutdown flag, then wait again

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        limit, _ = _budget(timeout, self._cancelled)
        self._inner.write(buffer, limit)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        limit, _ = _budget(timeout, self._cancelled)
        return _GuardedStream(
            self._inner.start_tls(ssl_context, server_hostname, limit), self._cancelled
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's socket backend with every wait bounded by the thread's deadlines."""

    def __init__(self, cancelled: threading.Event) -> None:
        self._inner = httpcore.SyncBackend()
        self._cancelled = cancelled

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        limit, _ = _budget(timeout, self._cancelled)
        stream = self._inner.connect_tcp(host, port, limit, local_address, socket_options)
        return _GuardedStream(stream, self._cancelled)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        limit, _ = _budget(timeout, self._cancelled)
        return _GuardedStream(
            self._inner.connect_unix_socket(path, limit, socket_options), self._cancelled
        )

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)
