"""The real SMTP server of the delivery tests (tests/support/smtp.py)."""

from tests.support.smtp import smtp_server  # noqa: F401 - the fixture
