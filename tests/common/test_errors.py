"""One way to fail: every error body under /api/v1/ is ``{detail, code}`` (a 400 names its
fields instead); services refuse with ``common.errors`` kinds and never name a status;
only ``common.api_errors`` maps errors to statuses."""

from __future__ import annotations

import ast
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.core.exceptions import RequestDataTooBig
from rest_framework.exceptions import Throttled
from rest_framework.test import APIClient

from cases.models import Case, Resolution
from common import api_errors
from common.errors import Conflict, DomainError, Forbidden, Invalid, Mismatch, NotFound
from discretion.models import IdempotencyKey
from tests import factories
from tests.support.paths import ROOT

pytestmark = pytest.mark.django_db

RESOLVE = "/api/v1/cases/{}/resolutions/"
BODY = {"remedy_type": "refund", "amount": "20.00", "reason": "damaged box"}


def error(response, status: int, code: str | None = None) -> dict:
    """The response is a JSON ``{detail, code}`` error with this status (and code)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) >= {"detail", "code"}, body
    assert isinstance(body["detail"], str) and body["detail"]
    assert "Traceback" not in response.content.decode()
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def limited(agent):
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("100.00"))
    return agent


# --- every kind of error body -------------------------------------------------------------


def test_401_without_credentials_and_with_a_bad_token():
    client = APIClient()
    error(client.get("/api/v1/me/"), 401, "not_authenticated")
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    body = error(client.get("/api/v1/me/"), 401, "authentication_failed")
    assert body["detail"] == "Invalid token."


def test_401_keeps_its_www_authenticate_header():
    assert APIClient().get("/api/v1/me/")["WWW-Authenticate"].startswith("Token")


def test_403_by_role_and_by_a_domain_rule(api, agent, supervisor, case):
    error(api.as_user(agent).get("/api/v1/audit-events/"), 403, "permission_denied")
    # Four-eyes: the supervisor made the request, so they may not decide it.
    factories.TrustLimitFactory(
        tier=supervisor.tier, per_remedy_max=D("1.00"), approval_max=D("500.00")
    )
    created = api.as_user(supervisor).post(RESOLVE.format(case.pk), BODY, format="json").json()
    escalation = created["escalation"]["id"]
    body = error(
        api.post(f"/api/v1/escalations/{escalation}/approve/", {}, format="json"), 403, "four_eyes"
    )
    assert "four-eyes" in body["detail"].lower()


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here/", "/api/v1/cases/1/nope/", "/api/v1/x/y/z", "/api/v1/"]
)
def test_404_for_an_unknown_api_path(api, agent, path):
    for client in (APIClient(), api.as_user(agent)):
        for method in ("get", "post", "delete"):
            body = error(getattr(client, method)(path), 404, "not_found")
            assert path in body["detail"]


def test_a_path_without_its_slash_is_redirected_for_get_and_explained_otherwise(api, agent):
    client = api.as_user(agent)
    redirect = client.get("/api/v1/cases?status=open")
    assert redirect.status_code == 301
    assert redirect["Location"] == "/api/v1/cases/?status=open"
    body = error(client.post("/api/v1/cases", {}, format="json"), 404, "not_found")
    assert "/api/v1/cases/" in body["detail"]


def test_404_for_a_missing_object(api, agent, admin_user):
    client = api.as_user(agent)
    body = error(client.get("/api/v1/cases/999999/"), 404, "not_found")
    assert body["detail"] == "There is no case 999999."
    error(client.post(RESOLVE.format(999999), BODY, format="json"), 404, "not_found")
    error(client.get("/api/v1/resolutions/999999/"), 404, "not_found")
    error(client.get("/api/v1/escalations/999999/"), 404, "not_found")
    error(client.get("/api/v1/policy-rules/999999/"), 404, "not_found")
    error(api.as_user(admin_user).get("/api/v1/oncall-shifts/999999/"), 404, "not_found")


def test_405_method_not_allowed(api, agent, admin_user):
    response = api.as_user(agent).put("/api/v1/cases/", {}, format="json")
    error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]
    error(api.as_user(admin_user).delete("/api/v1/audit-events/"), 405, "method_not_allowed")


def test_409_case_closed_already_decided_and_in_flight(api, limited, monkeypatch):
    client = api.as_user(limited)
    closed = factories.CaseFactory(status=Case.Status.CLOSED)
    body = error(client.post(RESOLVE.format(closed.pk), BODY, format="json"), 409, "case_closed")
    assert "closed" in body["detail"]

    # A repeat that arrives while the first is still running (here: from inside it).
    case = factories.CaseFactory()
    from discretion.api import resolutions

    real, seen = resolutions.resolution_request, {}

    def reentrant(**kwargs):
        seen["repeat"] = client.post(
            RESOLVE.format(case.pk), BODY, format="json", HTTP_IDEMPOTENCY_KEY="flight"
        )
        return real(**kwargs)

    monkeypatch.setattr(resolutions, "resolution_request", reentrant)
    first = client.post(RESOLVE.format(case.pk), BODY, format="json", HTTP_IDEMPOTENCY_KEY="flight")
    assert first.status_code == 201
    error(seen["repeat"], 409, "idempotency_in_flight")
    assert Resolution.objects.filter(case=case).count() == 1


def test_409_already_decided(api, agent, case):
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("1.00"))
    boss = factories.UserFactory(role="supervisor")
    factories.TrustLimitFactory(
        agent=boss, tier=None, per_remedy_max=D("1.00"), approval_max=D("500.00")
    )
    created = api.as_user(agent).post(RESOLVE.format(case.pk), BODY, format="json").json()
    url = f"/api/v1/escalations/{created['escalation']['id']}/approve/"
    client = api.as_user(boss)
    assert client.post(url, {}, format="json").status_code == 200
    body = error(client.post(url, {}, format="json"), 409, "already_decided")
    assert "already approved" in body["detail"]


def test_413_for_a_body_over_the_upload_limit(api, agent, case, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = api.as_user(agent)
    big = {**BODY, "reason": "x" * 2000}
    error(client.post(RESOLVE.format(case.pk), big, format="json"), 413, "request_too_large")
    error(client.post("/api/v1/cases/", big, format="json"), 413, "request_too_large")
    assert not Resolution.objects.exists()


def test_413_when_the_body_is_read_inside_a_view():
    """The same 413 when Django raises RequestDataTooBig itself (the body read in a view)."""
    response = api_errors.exception_handler(RequestDataTooBig("too big"), {})
    assert response.status_code == 413
    assert response.data == {
        "detail": "The request body is too large.",
        "code": "request_too_large",
        "request_id": "",  # no request here: the middleware sets it
    }


def test_415_unsupported_media_type(api, agent, case):
    response = api.as_user(agent).post(
        RESOLVE.format(case.pk), "amount=1", content_type="text/plain"
    )
    error(response, 415, "unsupported_media_type")


def test_422_idempotency_key_reused_for_another_body(api, limited, case):
    client = api.as_user(limited)
    client.post(RESOLVE.format(case.pk), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k")
    other = client.post(
        RESOLVE.format(case.pk),
        {**BODY, "amount": "21.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    body = error(other, 422, "idempotency_mismatch")
    assert "different request" in body["detail"]


def test_429_throttled_keeps_retry_after():
    response = api_errors.exception_handler(Throttled(wait=7), {})
    assert response.status_code == 429
    assert response.data["code"] == "throttled" and response.data["detail"]
    assert response["Retry-After"] == "7"


def test_parse_error_is_a_400_with_detail_and_code(api, agent, case):
    response = api.as_user(agent).post(
        RESOLVE.format(case.pk), "{not json", content_type="application/json"
    )
    error(response, 400, "parse_error")


@pytest.mark.parametrize("debug", [False, True])
def test_500_is_json_without_a_traceback(api, limited, case, monkeypatch, settings, debug):
    settings.DEBUG = debug

    def boom(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("discretion.api.resolutions.resolution_request", boom)
    client = api.as_user(limited)
    client.raise_request_exception = False
    response = client.post(RESOLVE.format(case.pk), BODY, format="json")
    body = error(response, 500, "server_error")
    assert "secret internals" not in response.content.decode()
    assert "RuntimeError" not in body["detail"]


def test_html_pages_outside_the_api_are_untouched(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


# --- 400s keep naming fields, inside the envelope -------------------------------------------

ENVELOPE = {"detail", "code", "request_id", "fields"}


def test_400_from_a_serializer_names_each_field_with_detail_code_and_request_id(api, agent, case):
    response = api.as_user(agent).post(
        RESOLVE.format(case.pk), {"remedy_type": "refund", "amount": "1.001"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"amount", "reason"} | ENVELOPE
    assert set(body["fields"]) == {"amount", "reason"}
    assert body["fields"]["amount"] == body["amount"]
    assert body["detail"].startswith("amount: ") and "reason" in body["detail"]
    assert body["code"] == "amount_places"
    assert body["request_id"] == response["X-Request-ID"]


def test_a_field_named_like_the_envelope_is_named_under_fields(api, admin_user):
    """A trust tier's ``code``: the machine ``code`` stays a string."""
    factories.tier("new")
    response = api.as_user(admin_user).post(
        "/api/v1/trust-tiers/", {"code": "new", "name": "Again"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert isinstance(body["code"], str) and "code" in body["fields"]
    assert "already exists" in body["detail"]


def test_400_from_a_service_names_the_fields(api, admin_user):
    tier = factories.tier("new")
    factories.TrustLimitFactory(tier=tier)
    response = api.as_user(admin_user).post(
        "/api/v1/trust-limits/",
        {"tier": "new", "remedy_type": "refund", "per_remedy_max": "5.00"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"non_field_errors"} | ENVELOPE
    assert "already a limit" in body["non_field_errors"][0]
    assert body["detail"] == body["non_field_errors"][0]  # no field to name
    assert body["request_id"] == response["X-Request-ID"]


def test_400_for_a_bad_idempotency_key_names_the_header(api, agent, case):
    response = api.as_user(agent).post(
        RESOLVE.format(case.pk), BODY, format="json", HTTP_IDEMPOTENCY_KEY=" "
    )
    assert response.status_code == 400
    assert set(response.json()) == {"Idempotency-Key"} | ENVELOPE
    assert not IdempotencyKey.objects.exists()


# --- domain errors map by kind; services never know HTTP ----------------------------------------


KINDS = [
    (
        Invalid("Bad.", code="amount_places", fields={"amount": ["Too many decimals."]}),
        400,
        {
            "amount": ["Too many decimals."],
            "fields": {"amount": ["Too many decimals."]},
            "detail": "Bad.",
            "code": "amount_places",
        },
    ),
    (Invalid("Bad.", code="limit_invalid"), 400, {"detail": "Bad.", "code": "limit_invalid"}),
    (Forbidden("No.", code="four_eyes"), 403, {"detail": "No.", "code": "four_eyes"}),
    (NotFound("Gone."), 404, {"detail": "Gone.", "code": "not_found"}),
    (
        Conflict("Late.", code="already_decided"),
        409,
        {"detail": "Late.", "code": "already_decided"},
    ),
    (Mismatch("Other.", code="idempotency_mismatch"), 422, None),
]


@pytest.mark.parametrize(("refusal", "status", "body"), KINDS)
def test_a_service_refusal_maps_by_kind(api, admin_user, monkeypatch, refusal, status, body):
    def refuse(**kwargs):
        raise refusal

    monkeypatch.setattr("discretion.api.trust.trust_tier_create", refuse)
    response = api.as_user(admin_user).post(
        "/api/v1/trust-tiers/", {"code": "gold", "name": "Gold"}, format="json"
    )
    assert response.status_code == status
    assert api_errors.http_status(refusal) == status
    if body is not None:
        # Every error body carries the request id (a 400 naming fields too).
        assert response.json() == {**body, "request_id": response["X-Request-ID"]}


def test_a_subclass_maps_like_its_kind():
    class CaseClosedAgain(Conflict):
        default_code = "case_closed"

    refusal = CaseClosedAgain("Closed.")
    assert api_errors.http_status(refusal) == 409
    assert api_errors.error_body(refusal) == {
        "detail": "Closed.",
        "code": "case_closed",
        "request_id": "",
    }


def test_domain_errors_carry_no_http_status():
    for kind in (DomainError, Invalid, Forbidden, NotFound, Conflict, Mismatch):
        refusal = kind("x")
        assert not any("status" in name for name in vars(refusal))
        assert not any("status" in name for klass in kind.__mro__ for name in vars(klass))


def test_refusals_have_stable_codes(api, agent, supervisor, case):
    from discretion.escalations.services import escalation_decide

    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("1.00"))
    escalation = api.as_user(agent).post(RESOLVE.format(case.pk), BODY, format="json").json()
    with pytest.raises(Forbidden) as refused:
        escalation_decide(
            acting_user=agent, escalation_id=escalation["escalation"]["id"], approve=True
        )
    assert refused.value.code == "supervisor_only"
    with pytest.raises(Forbidden) as refused:
        escalation_decide(
            acting_user=supervisor, escalation_id=escalation["escalation"]["id"], approve=True
        )
    assert refused.value.code == "no_approval_max"
    with pytest.raises(NotFound):
        escalation_decide(acting_user=supervisor, escalation_id=999999, approve=True)


# --- only common/api_errors.py maps errors to statuses ---------------------------------------


APP_DIRS = ("common", "config", "discretion", "cases", "policies", "audit", "web")
MAPPER = ROOT / "common" / "api_errors.py"


def _modules():
    for folder in APP_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts or path == MAPPER:
                continue
            yield path, ast.parse(path.read_text(), filename=str(path))


def _status_literal(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, int) and node.value >= 400


def _offences(path: Path, tree: ast.Module) -> list[str]:
    found = []
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    for node in ast.walk(tree):
        # An exception class that carries an HTTP status.
        # (A serializer's or model's ``status_code`` field is data: a webhook's answer.)
        serializer = isinstance(node, ast.ClassDef) and any(
            ast.unparse(base).endswith(("Serializer", "Model")) for base in node.bases
        )
        if isinstance(node, ast.ClassDef) and not serializer:
            for item in node.body:
                targets = [t.id for t in getattr(item, "targets", []) if isinstance(t, ast.Name)]
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    targets.append(item.target.id)
                if any(t in ("status_code", "http_status") for t in targets):
                    found.append(f"{name}:{item.lineno} class {node.name} carries a status")
        # An except block that picks a status (a literal 4xx/5xx or an exception's status).
        if isinstance(node, ast.ExceptHandler):
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.keyword)
                    and inner.arg in ("status", "status_code")
                    and _status_literal(inner.value)
                ):
                    found.append(f"{name}:{inner.value.lineno} except block sets a status")
                if isinstance(inner, ast.Attribute) and inner.attr == "status_code":
                    found.append(f"{name}:{inner.lineno} except block reads .status_code")
        # The API answering an error by hand instead of raising it.
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Response":
            for keyword in node.keywords:
                if keyword.arg == "status" and _status_literal(keyword.value):
                    found.append(
                        f"{name}:{node.lineno} Response(..., status={ast.unparse(keyword.value)})"
                    )
        if isinstance(node, ast.Name) and node.id == "raise_service_error":
            found.append(f"{name}:{node.lineno} raise_service_error")
    return found


def test_no_module_but_api_errors_maps_exceptions_to_statuses():
    offences = [o for path, tree in _modules() for o in _offences(path, tree)]
    assert offences == []


def test_the_grep_finds_what_it_forbids(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "class Refused(Exception):\n    status_code = 409\n"
        "def view():\n    try:\n        pass\n    except Refused as exc:\n"
        "        return Response({}, status=exc.status_code)\n"
        "def other():\n    return Response({'detail': 'x'}, status=404)\n"
    )
    offences = _offences(sample, ast.parse(sample.read_text()))
    assert len(offences) == 3, offences


def test_the_old_error_styles_are_gone():
    for path, tree in _modules():
        source = path.read_text()
        for old in (
            "TrustError",
            "OnCallError",
            "PolicyRuleInvalid",
            "CaseClosed",
            "EscalationError",
        ):
            assert old not in source, f"{path.relative_to(ROOT)} still names {old}"
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "rest_framework.exceptions":
                names = {alias.name for alias in node.names}
                # Serializer-level validation, token auth and body parsing (a parser raises
                # ParseError) are DRF's own machinery; so is an authentication class refusing
                # a credential outside its scope (an integration key off intake: 403).
                allowed = {"ValidationError", "AuthenticationFailed", "ParseError"}
                if path.name == "intake_auth.py":
                    allowed.add("PermissionDenied")
                assert names <= allowed, (path, names)
