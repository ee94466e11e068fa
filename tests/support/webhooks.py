"""A REAL HTTP server on loopback for the webhook delivery tests (http.server in a thread).

A worker (in-process or a Celery subprocess) POSTs to it; it verifies each request's
signature with the receiver example of docs/webhooks.md (``docs/examples/
webhook_receiver.py``, loaded from its file) and records every request. It can answer
the next N requests with 500 (``fail``), let the next N hang past the client's timeout
(``hang``), or hold the next one until released (``hold_next``/``holding``/``release``),
so a test can kill the worker while its POST waits for an answer.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import pytest

from tests.support.paths import ROOT

RECEIVER_PATH = ROOT / "docs" / "examples" / "webhook_receiver.py"


def receiver_example() -> ModuleType:
    """The docs' receiver example, imported from its file (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location("webhook_receiver_example", RECEIVER_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int | None  # None: hung or held (no answer given)

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    secret: str = ""  # set by the test once the endpoint (and its secret) exists
    fail: int = 0  # answer the next N with 500
    hang: int = 0  # let the next N wait without an answer (past the client's timeout)
    hang_seconds: float = 3.0
    hold_next: bool = False
    holding: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def answered(self, status: int = 200) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.answered == status]


def _handler(receiver: WebhookReceiver, verify: Any) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                verify(
                    secret=receiver.secret,
                    header=self.headers.get("Discretion-Signature", ""),
                    body=body,
                )
                verified = True
            except ValueError:
                verified = False
            with receiver.lock:
                hold, receiver.hold_next = receiver.hold_next, False
                hang = receiver.hang > 0
                receiver.hang -= 1 if hang else 0
                fail = not (hold or hang) and receiver.fail > 0
                receiver.fail -= 1 if fail else 0
                status = None if hold or hang else (500 if fail else 200)
                receiver.requests.append(Received(dict(self.headers), body, verified, status))
            if hold:
                receiver.holding.set()
                receiver.released.wait(timeout=30)
                return  # the client was killed meanwhile: nobody to answer
            if hang:
                receiver.released.wait(timeout=receiver.hang_seconds)
                return
            assert status is not None
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok" if status == 200 else b"no")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver, receiver_example().verify))
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.released.set()
        server.shutdown()
        server.server_close()
