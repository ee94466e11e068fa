"""Hooks: a lower layer says what happened, an upper layer named in settings acts on it.

``cases`` never imports ``discretion`` (docs/style.md), yet a case created while an
incident with a matcher is active must be linked to it. So ``cases.services.case_create``
calls ``case_created`` inside its transaction, and this calls each dotted path in the
setting ``DISCRETION_CASE_CREATED_HOOKS`` (config/settings.py wires
``discretion.incidents.links.incident_case_created``). Explicit calls, not signals:
one place says what runs, and it runs in the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


def case_created(*, case: Any, customer_external_id: str) -> None:
    """Run every case-created hook, in order, in the creating transaction."""
    for path in getattr(settings, "DISCRETION_CASE_CREATED_HOOKS", ()):
        import_string(path)(case=case, customer_external_id=customer_external_id)
