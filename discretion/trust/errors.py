"""Write services for users, teams, trust tiers and trust limits.

Every public function here is one atomic action with a keyword-only ``acting_user`` and
writes its audit event (with before/after) in the same transaction as the change, so a
rolled-back change never leaves an audit row behind and a committed one always has one.
The API, the Django admin and management commands all go through these functions.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class TrustError(ValidationError):
    """A change refused for a business reason; ``message_dict`` names the fields."""
