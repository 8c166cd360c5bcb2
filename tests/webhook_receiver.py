"""A webhook endpoint for tests: a real HTTP server on a loopback port, in a thread."""

import contextlib
import json
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1: answers the planned statuses in turn (then 200)."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    plan: list[int] = field(default_factory=list)
    always: int | None = None

    def answer(self) -> int:
        if self.plan:
            return self.plan.pop(0)
        return self.always or 200

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.received]


@contextlib.contextmanager
def serving(context: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    """A receiver on a free loopback port, over TLS with ``context`` (a server context)."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.received.append(Received(self.path, dict(self.headers.items()), body))
            status = state.answer()
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", f"http://receiver.test:{state.port}/elsewhere")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def webhook_receiver() -> Iterator[Receiver]:
    with serving() as state:
        yield state
