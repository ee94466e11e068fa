"""The real HTTP receiver of the delivery tests (tests/support/webhooks.py)."""

from tests.support.webhooks import webhook_receiver  # noqa: F401 - the fixture
