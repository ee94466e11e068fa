"""``common.money.money_parse``: the one strict parser of money input (contract, second
part: "Money input is strict")."""

from decimal import Decimal

import pytest

from common.errors import Invalid
from common.money import AMOUNT_MESSAGES, money_display, money_parse
from discretion.engine import money_text

LENIENT = [
    "1e2",
    "+10.00",
    " 10.00 ",
    "10.00 ",
    "10.00\n",
    "1_0.00",
    "\u0661\u0660.\u0660\u0660",  # Arabic-Indic digits
    "\uff11\uff10.\uff10\uff10",  # full-width digits
    "1,000.00",
    "10.",
    ".50",
    "NaN",
    "Infinity",
    "0x10",
    "",
]


@pytest.mark.parametrize(
    ("text", "value"),
    [("25", "25.00"), ("25.5", "25.50"), ("25.50", "25.50"), ("0", "0.00"), ("007.10", "7.10")],
)
def test_accepts_plain_decimal_strings_with_two_places_out(text, value):
    assert money_parse(text) == Decimal(value)
    assert str(money_parse(text)) == value


@pytest.mark.parametrize("text", LENIENT)
def test_refuses_anything_lenient(text):
    with pytest.raises(Invalid) as refused:
        money_parse(text)
    assert refused.value.message == AMOUNT_MESSAGES["invalid"]


@pytest.mark.parametrize("text", ["-0.00", "-5", "-1.5"])
def test_refuses_signs_as_negative(text):
    with pytest.raises(Invalid) as refused:
        money_parse(text)
    assert refused.value.message == AMOUNT_MESSAGES["min_value"]


@pytest.mark.parametrize("number", [10, 10.0, Decimal("10"), True, None, ["10"]])
def test_refuses_what_is_not_a_string(number):
    with pytest.raises(Invalid) as refused:
        money_parse(number)
    assert refused.value.code == "amount_not_string"


def test_places_and_maximum():
    with pytest.raises(Invalid, match="decimal places"):
        money_parse("1.234")
    with pytest.raises(Invalid, match=r"1000000\.00"):
        money_parse("1000000.01")
    assert money_parse("1000000") == Decimal("1000000.00")


WRITTEN = {"$1,250.50", "€1,250.50", "£1,250.50", "CHF 1,250.50"}


@pytest.mark.parametrize("currency", ["USD", "EUR", "GBP", "CHF"])
@pytest.mark.parametrize("amount", ["0", "25", "1250.5", "1000000"])
def test_the_engine_writes_amounts_as_the_screens_do(settings, currency, amount):
    # One money format everywhere: the engine's sentences, the screens, the messages.
    settings.DISCRETION_CURRENCY = currency
    assert money_text(Decimal(amount), currency) == money_display(Decimal(amount))
    assert money_display(Decimal("1250.5")) in WRITTEN
