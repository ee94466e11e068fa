"""Logins and tokens (CONTRACT.md, "Conventions, tightened" → Tokens): expiring hashed
tokens, a new one per login, logout, revocation on a password change or deactivation,
the lockout after 10 failed logins, the password validators."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken
from rest_framework.test import APIClient

from discretion.management.commands.seed_demo import DEMO_PASSWORD
from discretion.models import User
from tests import factories

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
PASSWORD = "pass-12345"  # the factories' password


def login(username: str, password: str = PASSWORD):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json")


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def token_of(user: User) -> str:
    response = login(user.username)
    assert response.status_code == 200, response.content
    return response.json()["token"]


# --- tokens ------------------------------------------------------------------------------


def test_login_returns_a_new_hashed_token_with_its_expiry(agent, settings):
    settings.DISCRETION_TOKEN_TTL_HOURS = 12
    before = timezone.now()
    body = login(agent.username).json()
    assert set(body) == {"token", "expires_at"}
    expires_at = parse_datetime(body["expires_at"])
    assert expires_at is not None and expires_at.tzinfo is not None
    assert before + timedelta(hours=12) <= expires_at <= timezone.now() + timedelta(hours=12)
    second = token_of(agent)
    assert second != body["token"]  # a new token per login; both work
    for token in (body["token"], second):
        assert client_with(token).get("/api/v1/me/").status_code == 200
    stored = list(AuthToken.objects.filter(user=agent).values_list("digest", "token_key"))
    assert len(stored) == 2
    assert all(body["token"] != digest and len(key) == 15 for digest, key in stored)


def test_a_token_expires_at_its_ttl(agent, settings):
    settings.DISCRETION_TOKEN_TTL_HOURS = 1
    token = token_of(agent)
    client = client_with(token)
    issued = timezone.now()
    just_before = issued + timedelta(minutes=59)
    just_after = issued + timedelta(hours=1, seconds=1)
    with mock.patch("discretion.api.authentication.timezone.now", return_value=just_before):
        assert client.get("/api/v1/me/").status_code == 200
    with mock.patch("discretion.api.authentication.timezone.now", return_value=just_after):
        response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    # Never accepted again, even with the clock back where it was.
    assert client.get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.filter(user=agent).exists()


def test_a_token_whose_expiry_has_passed_is_refused(agent):
    token = token_of(agent)
    AuthToken.objects.filter(user=agent).update(expiry=timezone.now() - timedelta(seconds=1))
    assert client_with(token).get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.filter(user=agent).exists()


def test_logout_revokes_only_the_token_it_is_sent_with(agent):
    first, second = token_of(agent), token_of(agent)
    response = client_with(first).post("/api/v1/auth/logout/")
    assert response.status_code == 204
    assert client_with(first).get("/api/v1/me/").status_code == 401
    assert client_with(second).get("/api/v1/me/").status_code == 200
    assert APIClient().post("/api/v1/auth/logout/").status_code == 401


# --- password changes and deactivation revoke ---------------------------------------------


def test_changing_my_password_revokes_all_my_tokens(agent):
    first, second = token_of(agent), token_of(agent)
    response = client_with(first).post(
        "/api/v1/me/password/",
        {"old_password": PASSWORD, "new_password": "a-much-better-secret"},
        format="json",
    )
    assert response.status_code == 204
    for token in (first, second):
        assert client_with(token).get("/api/v1/me/").status_code == 401
    assert login(agent.username).status_code == 400
    assert login(agent.username, "a-much-better-secret").status_code == 200


def test_a_wrong_old_password_is_a_400_naming_it(agent):
    token = token_of(agent)
    response = client_with(token).post(
        "/api/v1/me/password/",
        {"old_password": "not-it", "new_password": "a-much-better-secret"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"old_password"}
    assert client_with(token).get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize("weak", ["password", "12345678", "short"])
def test_weak_new_passwords_are_a_400_naming_the_field(agent, weak):
    token = token_of(agent)
    response = client_with(token).post(
        "/api/v1/me/password/", {"old_password": PASSWORD, "new_password": weak}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"new_password"}
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)


def test_missing_fields_are_named(agent):
    response = client_with(token_of(agent)).post("/api/v1/me/password/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"old_password", "new_password"}


def test_creating_a_user_with_a_common_password_is_refused(api, admin_user):
    for weak in ("password", "12345678"):
        response = api.as_user(admin_user).post(
            "/api/v1/agents/", {"username": "newbie", "password": weak}, format="json"
        )
        assert response.status_code == 400
        assert "password" in response.json()


def test_deactivating_a_user_revokes_their_tokens(api, admin_user, agent):
    token = token_of(agent)
    admin = api.as_user(admin_user)
    url = f"/api/v1/agents/{agent.pk}/"
    assert admin.patch(url, {"is_active": False}, format="json").status_code == 200
    assert not AuthToken.objects.filter(user=agent).exists()
    assert admin.patch(url, {"is_active": True}, format="json").status_code == 200
    assert client_with(token).get("/api/v1/me/").status_code == 401


def test_the_django_admin_password_change_revokes_tokens(client, admin_user, agent):
    token = token_of(agent)
    client.force_login(admin_user)
    response = client.post(
        f"/admin/discretion/user/{agent.pk}/password/",
        {"password1": "a-much-better-secret", "password2": "a-much-better-secret"},
    )
    assert response.status_code == 302, response.content
    assert client_with(token).get("/api/v1/me/").status_code == 401


def test_the_django_admin_deactivation_revokes_tokens(client, admin_user, agent):
    token_of(agent)
    client.force_login(admin_user)
    page = client.get(f"/admin/discretion/user/{agent.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(is_active="", role=agent.role, groups=[], user_permissions=[])
    data["date_joined_0"] = agent.date_joined.strftime("%Y-%m-%d")
    data["date_joined_1"] = agent.date_joined.strftime("%H:%M:%S")
    data.pop("date_joined", None)
    data.pop("last_login", None)
    data["tier"] = agent.tier_id or ""
    data["team"] = agent.team_id or ""
    response = client.post(f"/admin/discretion/user/{agent.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not AuthToken.objects.filter(user=agent).exists()


def test_the_django_admin_shows_no_token_digests(client, admin_user, agent):
    token_of(agent)
    client.force_login(admin_user)
    page = client.get("/admin/knox/authtoken/")
    assert page.status_code == 200
    digest = AuthToken.objects.get(user=agent).digest
    assert digest not in page.content.decode()
    assert client.get("/admin/authtoken/").status_code == 404


# --- the HTML page ----------------------------------------------------------------------


def test_the_password_page_changes_it_and_revokes_tokens(client, agent):
    token = token_of(agent)
    client.force_login(agent)
    page = client.get("/cases/")
    assert 'href="/password/"' in page.content.decode()
    assert client.get("/password/").status_code == 200
    weak = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 200 and "too common" in weak.content.decode()
    new = "a-much-better-secret"
    response = client.post(
        "/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert client.get("/cases/").status_code == 200  # this session stays signed in
    assert client_with(token).get("/api/v1/me/").status_code == 401
    agent.refresh_from_db()
    assert agent.check_password(new)


# --- lockout ----------------------------------------------------------------------------


def test_ten_failures_lock_the_api_login_even_with_the_right_password(agent):
    for _ in range(10):
        assert login(agent.username, "wrong").status_code == 400
    response = login(agent.username)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "detail" in response.json()
    assert response.json()["request_id"] == response["X-Request-ID"]
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60
    # The login form is locked for that username too; other usernames are not.
    page = APIClient().post("/login/", {"username": agent.username, "password": PASSWORD})
    assert page.status_code == 429
    assert "Retry-After" in page
    assert "try again" in page.content.decode()
    other = factories.UserFactory(role="agent")
    assert login(other.username).status_code == 200
    # Attempts while locked out do not move the window; once it has passed, it opens.
    AccessAttempt.objects.filter(username=agent.username).update(
        attempt_time=timezone.now() - timedelta(minutes=15, seconds=1)
    )
    assert login(agent.username).status_code == 200


def test_nine_failures_then_the_right_password_logs_in_and_clears_them(agent):
    for _ in range(9):
        login(agent.username, "wrong")
    assert login(agent.username).status_code == 200
    for _ in range(9):
        login(agent.username, "wrong")
    assert login(agent.username).status_code == 200


def test_the_login_form_locks_after_ten_failures(client, agent):
    for _ in range(10):
        page = client.post("/login/", {"username": agent.username, "password": "wrong"})
        assert page.status_code == 200
    page = client.post(
        "/login/",
        {"username": agent.username, "password": PASSWORD},
        HTTP_X_REQUEST_ID="trace-lockout-429",
    )
    assert page.status_code == 429
    assert int(page["Retry-After"]) > 0
    assert "Too many failed logins" in page.content.decode()
    assert "trace-lockout-429" in page.content.decode()  # the request id, for support
    assert login(agent.username).status_code == 429


# --- validators ---------------------------------------------------------------------------


def test_the_demo_password_passes_the_validators():
    for username in ("admin", "pam", "sam", "nina", "rosa", "omar", "lee"):
        validate_password(DEMO_PASSWORD, User(username=username, email=f"{username}@example.com"))
    for weak in ("password", "12345678"):
        with pytest.raises(ValidationError):
            validate_password(weak, User(username="someone"))
