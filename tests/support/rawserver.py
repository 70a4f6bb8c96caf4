"""A raw-socket HTTP server on 127.0.0.1 for what http.server cannot do: send a response one
byte at a time (a "slowloris" in reverse), headers included, so that every read timeout is met
while the response never ends."""

from __future__ import annotations

import socket
import threading

__all__ = ["DribbleServer"]


class DribbleServer:
    """Answers every connection with ``head`` then ``body``, one byte every ``interval`` seconds
    from byte ``dribble_from`` on (the bytes before it go at once), until the client leaves or
    the server is closed.  ``connections`` counts the connections accepted."""

    def __init__(
        self, head: bytes, body: bytes, *, interval: float = 0.5, dribble_from: int = 0
    ) -> None:
        self.data = head + body
        self.interval = interval
        self.dribble_from = dribble_from
        self.connections = 0
        self._closed = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)  # the request; its content does not matter
                conn.sendall(self.data[: self.dribble_from])
                for index in range(self.dribble_from, len(self.data)):
                    if self._closed.wait(self.interval):
                        return
                    conn.sendall(self.data[index : index + 1])
            except OSError:
                return  # the client gave up: what the tests want

    def __enter__(self) -> DribbleServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed.set()
        self._sock.close()
        self._thread.join(timeout=2)
