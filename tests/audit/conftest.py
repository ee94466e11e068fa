"""The app role (tests/support/app_role.py), created and granted once per session."""

from __future__ import annotations

import pytest

from tests.support.app_role import app_role_ready


@pytest.fixture(scope="session")
def app_role(django_db_setup, django_db_blocker) -> str:
    with django_db_blocker.unblock():
        return app_role_ready()
