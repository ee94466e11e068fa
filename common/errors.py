"""Domain errors: one style for every refusal a service makes.

A service refuses by raising one of these with a machine ``code`` and a plain-language
``message`` (and, for bad input, ``fields``: field name → messages). It never names an
HTTP status: the API's exception handler (``common.api_errors``) maps the *kind* of error
to a status, and the HTML views show ``message`` / ``fields`` next to the form.

    raise Invalid("Amounts cannot be negative.", fields={"amount": ["..."]})
    raise Forbidden("You made this request, so you cannot decide it.", code="four_eyes")
    raise Conflict("This escalation was already decided.", code="already_decided")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """Base of every refusal. Subclass by kind (below), not by HTTP status."""

    default_code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.fields: dict[str, list[str]] = {
            name: [str(m) for m in messages] for name, messages in (fields or {}).items()
        }

    def lines(self) -> list[str]:
        """Plain-language lines for an HTML page: the message, then each field's."""
        if not self.fields:
            return [self.message]
        return [
            (message if name in ("__all__", "non_field_errors") else f"{name}: {message}")
            for name, messages in self.fields.items()
            for message in messages
        ]


class Invalid(DomainError):
    """The input breaks a business rule (bad amount, inconsistent caps…)."""

    default_code = "invalid"


class Forbidden(DomainError):
    """This user may not do this (role, four-eyes, approval_max…)."""

    default_code = "forbidden"


class NotFound(DomainError):
    """No such object, or not one this user may see."""

    default_code = "not_found"


class Conflict(DomainError):
    """The object's state forbids it now (already decided, case closed, in flight…)."""

    default_code = "conflict"


class Mismatch(DomainError):
    """The request contradicts an earlier one it claims to repeat (an Idempotency-Key
    reused for a different request): well-formed, but it cannot be honoured."""

    default_code = "mismatch"
