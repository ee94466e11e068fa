"""Schemathesis over the whole OpenAPI schema (docs/openapi.yaml), as an agent and as an
admin: no request it generates gets a 500, and every response matches the schema
(contract, second part: "never a 500 for any request body, query parameter or header").

Bounded (a few examples per operation) so the run stays short on two cores; it runs in
``./dev test`` (CI) and can be deselected locally with ``-m "not schemathesis"``.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests import factories
from tests.support.auth import api_token
from tests.support.paths import ROOT

SCHEMA = schemathesis.openapi.from_path(str(ROOT / "docs" / "openapi.yaml"))

pytestmark = pytest.mark.schemathesis


@pytest.fixture
def tokens(db):
    """An agent's and an admin's token, and demo-like data so ids in paths hit objects."""
    agent = factories.UserFactory(role="agent", tier=factories.tier("standard"))
    admin = factories.UserFactory(role="admin")
    supervisor = factories.UserFactory(role="supervisor")
    factories.TrustLimitFactory(tier=agent.tier)
    for _ in range(2):
        case = factories.CaseFactory(assignee=agent)
        factories.OnCallShiftFactory(supervisor=supervisor)
        factories.EscalationFactory(resolution__case=case, resolution__agent=agent)
    # Made directly, not through the test client: its requests reconnect the signal
    # handler that closes the connection after each request (see below).
    return {"agent": api_token(agent, lasting=True), "admin": api_token(admin, lasting=True)}


APP = get_wsgi_application()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: a request must not close the test's connection (its
    transaction holds the seeded data)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@SCHEMA.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_whole_schema(case, tokens):
    for token in tokens.values():
        case.call_and_validate(
            app=APP,
            headers={"Authorization": f"Token {token}"},
            checks=[not_a_server_error, response_schema_conformance],
        )
