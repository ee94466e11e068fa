"""The receiver example of docs/webhooks.md (docs/examples/webhook_receiver.py) against
what the app really sends (discretion.webhooks.signing): it accepts a fresh, signed
event once, and refuses a replay older than five minutes, a tampered body, another
secret and an unsigned request."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from discretion.webhooks.signing import event_body, request_headers, signature
from tests import factories
from tests.support.paths import ROOT
from tests.support.webhooks import receiver_example

SECRET = "whsec_" + "ab" * 32


@pytest.fixture
def example_server() -> Iterator[tuple[str, list[dict]]]:
    example = receiver_example()
    received: list[dict] = []
    server = example.ThreadingHTTPServer(
        ("127.0.0.1", 0), example.make_handler(SECRET, received.append)
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", received
    finally:
        server.shutdown()
        server.server_close()


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.django_db
def test_the_example_receiver_checks_what_the_app_sends(example_server):
    url, received = example_server
    event = factories.WebhookEventFactory()
    body = event_body(event)
    now = int(time.time())
    headers = request_headers(event=event, secret=SECRET, timestamp=now, body=body)
    assert post(url, body, headers) == 200
    assert post(url, body, headers) == 200  # a retry of the same event: taken once
    assert [e["id"] for e in received] == [event.id]
    assert received[0]["data"] == event.data

    replay = request_headers(event=event, secret=SECRET, timestamp=now - 301, body=body)
    tampered = body.replace(b"10.00", b"99.00")
    other = request_headers(event=event, secret="whsec_other", timestamp=now, body=body)
    assert post(url, body, replay) == 400
    assert post(url, tampered, headers) == 400
    assert post(url, body, other) == 400
    assert post(url, body, {"Content-Type": "application/json"}) == 400
    assert len(received) == 1


def test_verify_takes_any_matching_v1_and_a_clock_within_five_minutes():
    example = receiver_example()
    verify, error = example.verify, example.SignatureError
    body = b'{"id":"evt_1"}'
    header = signature(secret=SECRET, timestamp=1_000_000, body=body)
    verify(secret=SECRET, header=header, body=body, now=1_000_000 + 299)
    verify(secret=SECRET, header=f"{header},v1=deadbeef", body=body, now=1_000_000)
    with pytest.raises(error):
        verify(secret=SECRET, header=header, body=body, now=1_000_000 + 301)
    with pytest.raises(error):
        verify(secret=SECRET, header="t=1000000,v1=" + "0" * 64, body=body, now=1_000_000)
    with pytest.raises(error):
        verify(secret=SECRET, header="v1=abc", body=body, now=1_000_000)


def test_the_docs_show_the_receiver_check_as_tested():
    """docs/webhooks.md quotes the example's verify() verbatim (it cannot drift)."""
    source = (ROOT / "docs" / "examples" / "webhook_receiver.py").read_text()
    start = source.index("def verify(")
    verify_source = source[start : source.index("\n\n\ndef ", start)]
    assert verify_source in (ROOT / "docs" / "webhooks.md").read_text()
