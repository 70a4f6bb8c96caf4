"""``regwatch serve``'s application on a real uvicorn server on 127.0.0.1, in a thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from regwatch.config import load_config
from regwatch.store import Store
from regwatch.web import create_app

from .waiting import wait_for

__all__ = ["running_server"]


@contextmanager
def running_server(store: Store, secret_key: str = "k" * 40) -> Iterator[str]:
    """Serve ``store`` until the block ends; yields the base URL (``http://127.0.0.1:PORT``)."""
    app = create_app(store, load_config(None), secret_key=secret_key)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: server.started, timeout=20), "the API server did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
