"""The case page's resolve form and the API refuse the same requests with the same words.

Both call ``discretion.decisions.rules`` and ``common.money``; this holds them to it.
"""

from __future__ import annotations

import pytest

from cases.models import Resolution
from web.agent.forms import PreviewForm, ResolveForm

BAD = [
    ({"remedy_type": "refund", "amount": "-5"}, "amount"),
    ({"remedy_type": "refund", "amount": "1.234"}, "amount"),
    ({"remedy_type": "refund", "amount": "ten"}, "amount"),
    ({"remedy_type": "refund", "amount": "+10.00"}, "amount"),
    ({"remedy_type": "refund", "amount": "1e2"}, "amount"),
    ({"remedy_type": "refund", "amount": "\u0661\u0660.\u0660\u0660"}, "amount"),
    ({"remedy_type": "refund", "amount": "0.00"}, "amount"),
    ({"remedy_type": "refund", "amount": "99999999.00"}, "amount"),
    ({"remedy_type": "refund"}, "amount"),
    ({"remedy_type": "apology", "amount": "5.00"}, "amount"),
    ({"remedy_type": "bitcoin", "amount": "1.00"}, "remedy_type"),
    ({"remedy_type": "", "amount": "1.00"}, "remedy_type"),
]


@pytest.mark.parametrize(("body", "field"), BAD)
def test_form_and_api_refuse_alike(body, field, api, agent, case):
    form = PreviewForm(body)
    assert not form.is_valid()
    response = api.as_user(agent).post(
        f"/api/v1/cases/{case.pk}/resolutions/preview/", body, format="json"
    )
    assert response.status_code == 400
    assert [str(m) for m in form.errors[field]] == response.json()[field]
    assert not Resolution.objects.exists()


def test_the_form_takes_what_the_api_takes(db):
    form = ResolveForm({"remedy_type": "refund", "amount": "25.5", "reason": "Late"})
    assert form.is_valid(), form.errors
    assert str(form.cleaned_data["amount"]) == "25.50"
    assert form.cleaned_data["remedy_type"].code == "refund"
    apology = ResolveForm({"remedy_type": "apology", "reason": "Sorry"})
    assert apology.is_valid(), apology.errors
    assert str(apology.cleaned_data["amount"]) == "0.00"
    assert "reason" in ResolveForm({"remedy_type": "refund", "amount": "1"}).errors


@pytest.mark.parametrize(
    "amount",
    [
        "1e2",
        "+10.00",
        " 10.00 ",
        "1_0.00",
        "\u0661\u0660.\u0660\u0660",
        "\uff11\uff10.\uff10\uff10",
        "-0.00",
    ],
)
def test_form_refuses_lenient_amounts_like_the_api(amount, db):
    form = ResolveForm({"remedy_type": "refund", "amount": amount, "reason": "Late"})
    assert not form.is_valid()
    assert "amount" in form.errors


def test_form_refuses_a_zero_refund(db):
    form = ResolveForm({"remedy_type": "refund", "amount": "0.00", "reason": "Late"})
    assert not form.is_valid()
    assert "apology" in " ".join(form.errors["amount"])
