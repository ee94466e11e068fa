"""``common.parsers.BoundedJSONParser``: no JSON body, however nested or malformed, is a
500 (contract, second part: "never a 500 for any request body")."""

import pytest

from common.parsers import MAX_JSON_DEPTH, json_depth

pytestmark = pytest.mark.django_db

DEEP = b"[" * 1000 + b"]" * 1000
DEEP_OBJECT = b'{"a":' * 1000 + b"1" + b"}" * 1000


def send(client, path, body, method="post"):
    return getattr(client, method)(path, data=body, content_type="application/json")


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, b"[" * 100_000])
def test_a_deep_body_without_login_is_400_too_deep(client, body):
    # The token endpoint parses before anyone is signed in (the reported 500).
    response = send(client, "/api/v1/auth/token/", body)
    assert response.status_code == 400
    assert response.json()["code"] == "too_deep"
    assert "detail" in response.json()


@pytest.mark.parametrize("path", ["/api/v1/cases/", "/api/v1/policy-rules/"])
def test_a_deep_body_to_a_protected_endpoint_without_login_is_401(client, path):
    response = send(client, path, DEEP)
    assert response.status_code == 401


def test_a_deep_body_signed_in_is_400_too(api, agent, case):
    client = api.as_user(agent)
    response = client.post(
        f"/api/v1/cases/{case.pk}/resolutions/", data=DEEP, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "too_deep"


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"]]]]",
        b'{"a": NaN}',
        b"\xff\xfe\x00",
        b'"unterminated',
        b"1" * 10_000,  # past Python's int digit limit
        b'{"a": "\\ud800"}',
        b"",
        b"null",
        b"[]",
        b'"a string"',
    ],
)
def test_malformed_or_odd_bodies_are_4xx(client, api, agent, body):
    for who in (client, api.as_user(agent)):
        response = send(who, "/api/v1/cases/", body)
        assert 400 <= response.status_code < 500, body
        assert "code" in response.json() or response.status_code == 400


def test_depth_counts_brackets_outside_strings_only():
    assert json_depth(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}') == 1
    assert json_depth(b'["\\"[[[["]') == 1
    assert json_depth(b"1") == 0
    assert json_depth(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH) == MAX_JSON_DEPTH


def test_a_body_at_the_limit_still_parses(client):
    body = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    response = send(client, "/api/v1/auth/token/", body)
    assert response.status_code == 400
    assert response.json().get("code") != "too_deep"
