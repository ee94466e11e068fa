"""A REAL SMTP server on loopback for the customer-message delivery tests (aiosmtpd).

It runs in a thread of the test process; a Celery worker subprocess talks SMTP to it.
It can refuse the next N messages (451, a temporary failure) and hold the next one in
the middle of the DATA command, before it answers, so a test can kill the worker at the
one moment where the message is not yet accepted (``hold_next``, ``holding``,
``release``). Only messages it answered 250 to are in ``received``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from tests.support.faults import free_port


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_DATA(self, server, session, envelope) -> str:
        smtp = self.server
        with smtp.lock:
            hold, smtp.hold_next = smtp.hold_next, False
        if hold:
            smtp.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, smtp.released.wait)
            # The client was killed while waiting: nothing was accepted.
            return "451 4.3.0 Held, then dropped"
        with smtp.lock:
            smtp.attempts += 1
            if smtp.refuse > 0:
                smtp.refuse -= 1
                return "451 4.3.0 Try again later"
            # The modern policy unfolds a long header (a Subject over 78 characters is folded
            # on the wire) and decodes encoded words, as a mail client shows them.
            smtp.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.lock = threading.Lock()
        self.received: list[Message] = []
        self.attempts = 0  # DATA commands answered (held ones not counted)
        self.refuse = 0  # answer the next N messages with 451
        self.hold_next = False
        self.holding = threading.Event()
        self.released = threading.Event()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def env(self) -> dict[str, str]:
        """What a worker needs to send through this server."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
        }

    def count(self) -> int:
        with self.lock:
            return len(self.received)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.controller.start()
    try:
        yield server
    finally:
        server.released.set()
        server.controller.stop()
