"""The refusal of a trust change (users, tiers, limits) for a business reason.

A ``ValidationError`` whose ``message_dict`` names the fields, so the API answers a 400
per field and the admin forms show each message next to its input.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class TrustError(ValidationError):
    """A change refused for a business reason; ``message_dict`` names the fields."""
