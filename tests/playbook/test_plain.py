"""The plain-language check: the pure matcher (table-driven) and POST /api/v1/messages/check/."""

from __future__ import annotations

import pytest

from discretion.playbook.plain import BODY_MAX_LENGTH, PHRASES, findings_of


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ("It's our policy to refund within 30 days.", "It's our policy"),
        ("it is our policy", "it is our policy"),
        ("IT\u2019S OUR POLICY", "IT\u2019S OUR POLICY"),
        ("Sorry, that is company policy.", "that is company policy"),
        ("As per our policy we cannot.", "As per our policy"),
        ("per our policy", "per our policy"),
        ("Due to company policy", "Due to company policy"),
        ("Unfortunately we are unable to help.", "Unfortunately we are unable"),
        ("Unfortunately, we cannot do that.", "Unfortunately, we cannot"),
        ("unfortunately we can't", "unfortunately we can't"),
        ("At this time we are unable to ship.", "At this time we are unable"),
        ("As per our terms and conditions, no.", "As per our terms and conditions"),
        ("as per our terms", "as per our terms"),
        ("Kindly note the fee.", "Kindly note"),
        ("Please be advised that", "Please be advised"),
        ("We regret to inform you that", "We regret to inform you"),
        ("We apologize for any inconvenience.", "We apologize for any inconvenience"),
        (
            "We apologise for any inconvenience this may have caused.",
            "We apologise for any inconvenience this may have caused",
        ),
        ("Rest assured, we care.", "Rest assured"),
        ("As previously stated, no.", "As previously stated"),
        ("Your request has been escalated.", "Your request has been escalated"),
        ("This is beyond our control.", "This is beyond our control"),
        ("The system does not allow it.", "The system does not allow"),
        ("Please do not hesitate to contact us.", "Please do not hesitate to contact us"),
        ("kindly\n  note", "kindly\n  note"),
    ],
)
def test_each_variant_is_found_with_exact_offsets(body, phrase):
    findings = findings_of(body)
    assert len(findings) == 1, findings
    found = findings[0]
    assert found.phrase == phrase
    assert body[found.start : found.end] == phrase
    assert found.suggestion


def test_plain_text_has_no_findings():
    body = (
        "I'm sorry your jacket let the rain in. I've refunded $80.00; you'll see it in "
        "3-5 days. I'll check back on Friday to make sure it arrived. Our policy page "
        "explains returns, and I can walk you through it."
    )
    assert findings_of(body) == []
    assert findings_of("") == []


def test_a_word_inside_another_word_is_not_a_phrase():
    assert findings_of("unkindly noted") == []
    assert findings_of("rest assuredly") == []


def test_several_findings_come_in_order():
    body = "Kindly note: it's our policy. Rest assured."
    found = findings_of(body)
    assert [(f.phrase, f.start, f.end) for f in found] == [
        ("Kindly note", 0, 11),
        ("it's our policy", 13, 28),
        ("Rest assured", 30, 42),
    ]


def test_overlapping_phrases_keep_the_first_and_longest():
    # "Unfortunately we are unable" contains "we are unable to": one finding, the first.
    body = "Unfortunately we are unable to refund."
    found = findings_of(body)
    assert [(f.code, f.start, f.end) for f in found] == [("unfortunately_unable", 0, 27)]
    # Alone, the shorter phrase is found.
    alone = findings_of("Sadly we are unable to refund.")
    assert [(f.code, f.phrase) for f in alone] == [("we_are_unable", "we are unable to")]
    # Of two starting together, the longer wins.
    longer = findings_of("as per our terms and conditions")
    assert [(f.code, f.end) for f in longer] == [("per_terms", 31)]


def test_offsets_are_code_points_of_the_body():
    body = "\U0001f600 Kindly note"
    (found,) = findings_of(body)
    assert (found.start, found.end) == (2, 13)
    assert body[found.start : found.end] == "Kindly note"


def test_every_phrase_has_a_suggestion_and_a_code():
    codes = [p.code for p in PHRASES]
    assert len(codes) == len(set(codes)) >= 20
    assert all(p.suggestion for p in PHRASES)
    assert next(p for p in PHRASES if p.code == "our_policy").replacement.startswith(
        "Here's what I can do"
    )


# --- the API ------------------------------------------------------------------------------


URL = "/api/v1/messages/check/"


@pytest.mark.django_db
def test_api_returns_findings_for_any_signed_in_user(api, agent):
    body = "Hello! Unfortunately, we cannot do that. It's our policy."
    response = api.as_user(agent).post(URL, {"body": body}, format="json")
    assert response.status_code == 200
    findings = response.json()["findings"]
    assert [(f["phrase"], f["start"], f["end"]) for f in findings] == [
        ("Unfortunately, we cannot", 7, 31),
        ("It's our policy", 41, 56),
    ]
    for f in findings:
        assert body[f["start"] : f["end"]] == f["phrase"]
        assert set(f) >= {"phrase", "start", "end", "suggestion"}
    assert findings[1]["suggestion"].startswith("Say what you can do")


@pytest.mark.django_db
def test_api_keeps_whitespace_so_offsets_match(api, agent):
    body = "\n\n  kindly note  \n"
    response = api.as_user(agent).post(URL, {"body": body}, format="json")
    assert response.json()["findings"][0]["start"] == 4


@pytest.mark.django_db
def test_api_plain_and_blank_bodies_have_no_findings(api, agent):
    client = api.as_user(agent)
    assert client.post(URL, {"body": "Thanks, I fixed it."}, format="json").json() == {
        "findings": []
    }
    assert client.post(URL, {"body": ""}, format="json").json() == {"findings": []}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [{}, {"body": None}, {"body": 12}, {"body": ["a"]}, {"body": "x" * (BODY_MAX_LENGTH + 1)}],
)
def test_api_refuses_a_missing_or_bad_body(api, agent, payload):
    response = api.as_user(agent).post(URL, payload, format="json")
    assert response.status_code == 400
    assert "body" in response.json()


@pytest.mark.django_db
def test_api_takes_the_maximum_length(api, agent):
    body = "a " * (BODY_MAX_LENGTH // 2 - 6) + "kindly note"
    assert len(body) <= BODY_MAX_LENGTH
    response = api.as_user(agent).post(URL, {"body": body}, format="json")
    assert response.status_code == 200 and len(response.json()["findings"]) == 1


@pytest.mark.django_db
def test_api_needs_credentials(api):
    response = api.post(URL, {"body": "kindly note"}, format="json")
    assert response.status_code == 401
    assert response.json()["code"]
