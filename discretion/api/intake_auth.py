"""``Authorization: Bearer <integration key>``: what a help desk sends to intake.

``IntegrationKeyAuthentication`` is intake's only authentication (``discretion.api.intake``):
a missing key is 401, and so is a wrong or revoked one (nothing is changed). A key opens
intake and nothing else: ``IntegrationKeyElsewhere`` (in ``DEFAULT_AUTHENTICATION_CLASSES``,
after the token and the session) answers a good key on any other endpoint with 403
``integration_key_scope``. Neither costs a query unless the header says ``Bearer``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from discretion.integrations.models import IntegrationKey
from discretion.integrations.selectors import integration_key_find
from discretion.integrations.services import integration_key_touch

KEYWORD = "Bearer"
SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "An integration key from POST /api/v1/integrations/ (dsk_…), "
    "for POST /api/v1/intake/cases/ only.",
}
INTAKE_PATH = "/api/v1/intake/cases/"


def _secret(request: Request) -> str | None:
    """The key of a ``Bearer`` header; None for no header or another scheme."""
    parts = get_authorization_header(request).split()
    if not parts or parts[0].lower() != KEYWORD.lower().encode():
        return None
    if len(parts) != 2:
        raise AuthenticationFailed(
            "Send the integration key as: Authorization: Bearer dsk_…", code="bad_credentials"
        )
    try:
        return parts[1].decode("ascii")
    except UnicodeDecodeError:
        raise AuthenticationFailed("Invalid integration key.", code="bad_credentials") from None


def _key(secret: str) -> IntegrationKey:
    key = integration_key_find(secret=secret)
    if key is None:
        raise AuthenticationFailed("Invalid integration key.", code="bad_credentials")
    if not key.active:
        raise AuthenticationFailed(
            f"The integration key “{key.name}” was revoked: ask an admin for a new one.",
            code="key_revoked",
        )
    return key


class IntegrationKeyAuthentication(BaseAuthentication):
    """A help desk's integration key. ``request.user`` stays None (a key is nobody);
    ``request.auth`` is the ``IntegrationKey``."""

    def authenticate(self, request: Request) -> tuple[None, IntegrationKey] | None:
        secret = _secret(request)
        if secret is None:
            return None
        key = _key(secret)
        integration_key_touch(key=key)
        return (None, key)

    def authenticate_header(self, request: Request) -> str:
        # A 401 needs a challenge; without one DRF would answer 403.
        return f'{KEYWORD} realm="intake"'


class IntegrationKeyElsewhere(BaseAuthentication):
    """Every endpoint but intake: a good integration key is refused with 403 (it is
    authenticated, and not allowed here); a bad one is 401 like any bad credentials."""

    def authenticate(self, request: Request) -> None:
        secret = _secret(request)
        if secret is None:
            return None
        key = _key(secret)
        raise PermissionDenied(
            f"The integration key “{key.name}” can only send tickets to POST {INTAKE_PATH}; "
            "sign in (Authorization: Token …) for anything else.",
            code="integration_key_scope",
        )


class HasIntegrationKey(BasePermission):
    message = "Send an integration key: Authorization: Bearer dsk_…"

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, IntegrationKey)


class IntegrationKeyScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes an integration key (intake's only scheme)."""

    target_class = "discretion.api.intake_auth.IntegrationKeyAuthentication"
    name = "integrationKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return SCHEME


class IntegrationKeyElsewhereScheme(OpenApiAuthenticationExtension):
    """The refusal grants nothing: it adds no security requirement to any endpoint and no
    scheme of its own (``name`` is an empty list of schemes)."""

    target_class = "discretion.api.intake_auth.IntegrationKeyElsewhere"
    name: list[str] = []  # type: ignore[assignment]

    def get_security_requirement(self, auto_schema: Any) -> None:  # type: ignore[override]
        return None

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, str]]:  # type: ignore[override]
        return []
