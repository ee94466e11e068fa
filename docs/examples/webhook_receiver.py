"""A receiver of Discretion's webhooks, in Python's standard library only.

It checks every request's ``Discretion-Signature`` (an HMAC-SHA256 of ``"<t>.<raw body>"``
with the endpoint's secret, compared in constant time), refuses a timestamp more than
five minutes away from its own clock (a replayed request), and handles each event id
once (a retry of an event it already has is answered 200 and ignored).

    DISCRETION_WEBHOOK_SECRET=whsec_... python webhook_receiver.py 8080

Answer 2xx quickly and do the work afterwards: Discretion waits 10 s for an answer and
retries anything else with backoff for a day (docs/webhooks.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOLERANCE_SECONDS = 5 * 60
MAX_BODY_BYTES = 1_000_000


class SignatureError(ValueError):
    """The request was not signed with our secret, or not recently."""


def verify(
    *,
    secret: str,
    header: str,
    body: bytes,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Raise SignatureError unless ``header`` (``t=<unix>,v1=<hex>[,v1=<hex>…]``) signs
    ``body`` (the raw bytes, before any JSON parsing) with ``secret``, within ``tolerance``
    seconds of ``now``."""
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("no timestamp or no v1 signature in the header")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance: a replay, or a wrong clock")
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureError("signature does not match")


def make_handler(
    secret: str, on_event: Callable[[dict[str, Any]], None]
) -> type[BaseHTTPRequestHandler]:
    """A request handler that verifies, deduplicates and hands each new event to
    ``on_event`` (keep it quick)."""
    seen: set[str] = set()  # in production: a table with a unique event id

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self._answer(413, "too large")
                return
            body = self.rfile.read(length)
            try:
                verify(
                    secret=secret, header=self.headers.get("Discretion-Signature", ""), body=body
                )
            except SignatureError as refusal:
                self._answer(400, str(refusal))
                return
            event = json.loads(body)
            if event["id"] in seen:
                self._answer(200, "already had it")
                return
            seen.add(event["id"])
            on_event(event)
            self._answer(200, "ok")

        def _answer(self, status: int, text: str) -> None:
            payload = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler


def main() -> None:
    secret = os.environ["DISCRETION_WEBHOOK_SECRET"]
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080

    def show(event: dict[str, Any]) -> None:
        print(event["id"], event["type"], json.dumps(event["data"]), flush=True)

    ThreadingHTTPServer(("0.0.0.0", port), make_handler(secret, show)).serve_forever()


if __name__ == "__main__":
    main()
