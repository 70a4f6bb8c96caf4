"""A real webhook receiver on 127.0.0.1, as a customer would write one.

It verifies every POST with the Standard Webhooks library's own verifier (``standardwebhooks``)
when given the secret, answers 401 to a bad signature, processes each ``webhook-id`` once (a
repeat is answered 200 and not processed again, which is what makes retries safe), and records
everything.  A test can make it answer other statuses, or wait before answering.

It also takes any other POST (an Apprise ``json://`` or ``form://`` notification standing in for
a chat service) and records its body.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

__all__ = ["Post", "Receiver"]


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: bytes
    #: the verified JSON document (None when the receiver has no secret or it failed)
    verified: Any = None
    status: int = 0
    arrived_at: float = 0.0

    @property
    def webhook_id(self) -> str | None:
        return self.headers.get("webhook-id")

    def json(self) -> Any:
        return json.loads(self.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a sender killed mid-request


@dataclass
class Receiver:
    """``with Receiver(secret) as r: … r.url("/hook")``; ``port=0`` picks a free port."""

    secret: str | None = None
    port: int = 0
    posts: list[Post] = field(default_factory=list)
    #: statuses to answer, in order (the last one repeats); 200 when empty
    statuses: list[int] = field(default_factory=list)
    #: seconds to wait before answering (kill -9 during delivery)
    delay: float = 0.0
    #: webhook ids processed, in order: a repeat is acknowledged and not processed again
    processed: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: _Server | None = None

    def start(self) -> Receiver:
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK wait per answer

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                outer._handle(self)

        self._server = _Server(("127.0.0.1", self.port), _Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _status(self) -> int:
        with self._lock:
            if not self.statuses:
                return 200
            return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(length)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        post = Post(handler.path, headers, body, arrived_at=time.monotonic())
        with self._lock:
            self.posts.append(post)
        if self.delay:
            time.sleep(self.delay)
        status = self._status()
        if status == 200 and self.secret is not None and "webhook-id" in headers:
            try:
                post.verified = Webhook(self.secret).verify(body, headers)
            except WebhookVerificationError:
                status = 401
            else:
                with self._lock:
                    if post.webhook_id not in self.processed:
                        self.processed.append(post.webhook_id or "")
        post.status = status
        reply = b'{"ok": true}' if status < 300 else b'{"error": "refused"}'
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(reply)))
        handler.end_headers()
        handler.wfile.write(reply)
