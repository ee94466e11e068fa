"""Why an escalation decision was refused: not allowed (403), already decided (409) or
bad input (400).

A module of their own so the API and the supervisor's HTML screen can catch them
without importing the write path.
"""

from __future__ import annotations


class EscalationError(Exception):
    """A decision refused; the API turns it into ``status_code`` with a ``detail``."""

    status_code = 400

    def __init__(self, detail: str, *, fields: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.fields = fields


class EscalationForbidden(EscalationError):
    status_code = 403


class EscalationConflict(EscalationError):
    status_code = 409


class EscalationInvalid(EscalationError):
    status_code = 400
