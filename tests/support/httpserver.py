"""A real HTTP server on 127.0.0.1 for collector tests, serving canned responses by path.

Each route answers with a queue of responses (the last one repeats), or a callable, so that a
test can say "500, then 200" or "429 with Retry-After, then the payload".  Every request is
recorded with its path, query and headers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

__all__ = ["LocalServer", "Reply", "Request"]


@dataclass
class Reply:
    """One canned response."""

    body: bytes | str = b""
    status: int = 200
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    #: seconds to wait before answering (for timeout tests)
    delay: float = 0.0
    #: close the connection after sending only this many bytes of the body (truncation)
    truncate_at: int | None = None


@dataclass
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    #: the query string exactly as received
    raw_query: str = ""
    #: ``time.monotonic()`` when the request arrived
    received_at: float = 0.0

    def param(self, name: str) -> list[str]:
        return [v for k, v in self.query if k == name]


Handler = Callable[[Request], Reply]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up (a timeout test) makes the handler's write fail: expected.
        pass


class LocalServer:
    """``with LocalServer() as server: server.route("/x", Reply(...)); server.url("/x")``."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply | Handler]] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                outer._serve(self)

        self._server = _QuietServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def route(self, path: str, *replies: Reply | Handler) -> None:
        """Answer ``path`` with ``replies`` in turn, the last one repeating; each is a
        :class:`Reply` or a handler called with the :class:`Request`."""
        self.routes[path] = list(replies)

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def _next_reply(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            target = self.routes.get(request.path)
            if target is None:
                return Reply(b'{"status":404,"message":"Record Not Found"}', status=404)
            step = target.pop(0) if len(target) > 1 else target[0]
        return step if isinstance(step, Reply) else step(request)

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        request = Request(
            "GET",
            parts.path,
            parse_qsl(parts.query, keep_blank_values=True),
            {k.lower(): v for k, v in handler.headers.items()},
            parts.query,
            time.monotonic(),
        )
        reply = self._next_reply(request)
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.body.encode() if isinstance(reply.body, str) else reply.body
        handler.send_response(reply.status)
        if reply.content_type:
            handler.send_header("Content-Type", reply.content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if reply.truncate_at is not None:
            handler.wfile.write(body[: reply.truncate_at])
            handler.wfile.flush()
            handler.close_connection = True
            return
        handler.wfile.write(body)

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
