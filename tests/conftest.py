"""Shared fixtures. Tests run against PostgreSQL (``DATABASE_URL``) and, when there is one,
Redis (``REDIS_URL``; else Celery's filesystem broker), see README."""

from __future__ import annotations

import os
import shutil

import pytest
from rest_framework.test import APIClient

from tests import factories
from tests.support.auth import api_token
from tests.support.caches import caches_reset

# In one of `./dev test`'s parallel test processes (pytest-xdist) the settings took their
# own Redis DB and var dir (config/settings.py): child processes (Celery workers,
# manage.py, the servers some tests start) get them as plain values, shifted no further.
if os.environ.pop("PYTEST_XDIST_WORKER", None) is not None:
    from django.conf import settings as _settings

    os.environ["DISCRETION_VAR_DIR"] = str(_settings.VAR_DIR)
    if _settings.REDIS_URL:
        os.environ["REDIS_URL"] = _settings.REDIS_URL

# The ``celery_worker`` and ``worker_factory`` fixtures: a real Celery worker subprocess
# for tests that go through Celery (tests/support/worker.py).
pytest_plugins = ["tests.support.worker"]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """The faults test starts its own redis-server: without one installed it is skipped,
    except where DISCRETION_REQUIRE_REDIS=1 (CI, `.ci/run`), where that is a failure."""
    if item.get_closest_marker("faults") and shutil.which("redis-server") is None:
        if os.environ.get("DISCRETION_REQUIRE_REDIS") == "1":
            pytest.fail("redis-server is not installed (DISCRETION_REQUIRE_REDIS=1)", pytrace=False)
        pytest.skip("needs redis-server, which is not installed")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api():
    """An API client; ``api.as_user(user)`` authenticates with a real token."""

    client = APIClient()

    def as_user(user):
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
        return client

    client.as_user = as_user
    return client


@pytest.fixture
def agent(db):
    return factories.UserFactory(role="agent", tier=factories.tier("standard"))


@pytest.fixture
def supervisor(db):
    return factories.UserFactory(role="supervisor", tier=factories.tier("senior"))


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(role="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def case(db):
    return factories.CaseFactory()


def seed_reference_data() -> None:
    """Re-run the seed migrations' data functions (idempotent get_or_create).

    A transactional test ends with a TRUNCATE of every table, seeds included; the next
    transactional test gets them back from here.
    """
    import importlib

    from django.apps import apps as django_apps

    for module in (
        "cases.migrations.0003_seed_remedy_types",
        "discretion.migrations.0002_seed_tiers_and_policy",
        "discretion.migrations.0007_review_policy_row",
    ):
        importlib.import_module(module).seed(django_apps, None)


@pytest.fixture(autouse=True)
def _reseed_transactional_tests(request, django_db_blocker):
    """Before a transactional test, and after its closing TRUNCATE: the tests that follow
    in this process (with xdist's scheduling, plain ones too) find the seeds in place."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")
    seed_reference_data()
    yield
    # transactional_db was set up inside this fixture, so its flush has run by now.
    with django_db_blocker.unblock():
        seed_reference_data()


@pytest.fixture(autouse=True, scope="session")
def _plain_static_storage():
    """Serve static files by their plain names in tests.

    With DEBUG off the app uses WhiteNoise's manifest storage, whose hashed names exist
    only after collectstatic; the live server serves static files through the finders,
    which know the plain names only.
    """
    from django.conf import settings
    from django.test import override_settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test starts, and leaves, with every per-process cache of the app empty
    (tests/support/caches.py lists them)."""
    caches_reset()
    yield
    caches_reset()
