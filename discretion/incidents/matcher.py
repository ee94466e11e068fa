"""An incident's matcher: a CEL expression over a new case that links it to the incident
as it is created, while the incident is active (docs/policy-rules.md, "Incident matchers").

It is compiled and checked with the policy rules' own helpers (``policies.expressions``:
parse errors with line and column, unknown names with their position, a bounded cost),
over its own small context: the case's category, subject, subject words and creation
time. A matcher that fails at run time matches nothing (a case is never linked by an
error).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.utils import timezone

from cases.models import Case
from policies.expressions import (
    CompiledExpression,
    ExpressionError,
    cel_type_name,
    compile_expression,
    error_text,
    vocabulary,
)

log = logging.getLogger(__name__)

MATCHER_VARIABLES: dict[str, str] = {
    "case.category": "string",
    "case.subject": "string",
    "case.words": "string",
    "case.created_at": "timestamp",
    "case.created_hour": "int",
    "case.customer": "string",
}
MATCHER_DESCRIPTIONS: dict[str, str] = {
    "case.category": "question, complaint or crisis.",
    "case.subject": "The subject as written.",
    "case.words": "The subject's words in lower case, one space apart, with a space at each "
    "end: case.words.contains(' outage ') matches the whole word.",
    "case.created_at": "When the case was opened (a timestamp): "
    "case.created_at > timestamp('2026-12-03T08:00:00Z').",
    "case.created_hour": "The hour it was opened, 0-23, in the deployment's time zone.",
    "case.customer": "The customer's external id.",
}
MATCHER_WORDS = vocabulary(MATCHER_VARIABLES)
_WORD = re.compile(r"\w+")


def matcher_context(*, case: Case, customer_external_id: str = "") -> dict[str, Any]:
    created = case.created_at or timezone.now()
    words = _WORD.findall(case.subject.lower())
    return {
        "case": {
            "category": case.category,
            "subject": case.subject,
            "words": " " + " ".join(words) + " ",
            "created_at": created,
            "created_hour": timezone.localtime(created).hour,
            "customer": customer_external_id,
        }
    }


def _samples() -> list[tuple[str, dict[str, Any]]]:
    empty = {
        "case": {
            "category": "",
            "subject": "",
            "words": " ",
            "created_at": datetime(1970, 1, 1, tzinfo=UTC),
            "created_hour": 0,
            "customer": "",
        }
    }
    typical = {
        "case": {
            "category": "crisis",
            "subject": "App down: cannot pay",
            "words": " app down cannot pay ",
            "created_at": datetime(2026, 12, 3, 9, 30, tzinfo=UTC),
            "created_hour": 9,
            "customer": "CUST-00042",
        }
    }
    return [("an empty case", empty), ("a crisis case 'App down: cannot pay'", typical)]


SAMPLES = _samples()


def matcher_check(source: str) -> CompiledExpression:
    """Compile and check a matcher as declaring an incident does. Raises ExpressionError
    (its message names the line and column where it can)."""
    compiled = compile_expression(source, MATCHER_WORDS)
    for label, sample in SAMPLES:
        try:
            value = compiled.program.execute(sample)
        except Exception as exc:  # any CEL failure refuses the matcher
            raise ExpressionError(
                f"The matcher fails to evaluate on {label}: {error_text(exc)}."
            ) from exc
        if not isinstance(value, bool):
            raise ExpressionError(
                f"The matcher is not boolean: it gives a {cel_type_name(value)} on {label}. "
                "It must give true or false, e.g. case.words.contains(' outage ')."
            )
    return compiled


@lru_cache(maxsize=64)
def _compiled(source: str) -> CompiledExpression | None:
    try:
        return compile_expression(source, MATCHER_WORDS)
    except ExpressionError:
        return None


def matcher_cache_reset() -> None:
    _compiled.cache_clear()


def matcher_matches(source: str, context: dict[str, Any]) -> bool:
    """Whether the matcher says yes on ``context``; False on any error (logged)."""
    compiled = _compiled(source)
    if compiled is None:
        return False
    try:
        return compiled.program.execute(context) is True
    except Exception:  # a matcher never links by error
        log.warning("incident matcher failed on a case", exc_info=True)
        return False
