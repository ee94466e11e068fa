"""The review draw: pure, reproducible, at the configured rate, and what the decision's
SQL draws is exactly what the pure function says."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from discretion.reviews.draw import (
    SCALE,
    basis_points,
    review_draw,
    review_draw_value,
    review_reason,
    review_secret,
)


def test_the_draw_is_a_function_of_the_id_and_the_secret():
    assert review_draw_value(42) == review_draw_value(42)
    assert review_draw_value(42) != review_draw_value(43)
    assert review_draw_value(42, secret=b"another") != review_draw_value(42)
    assert 0 <= review_draw_value(42) < SCALE
    assert review_draw(42, D("5")) == review_draw(42, D("5"))


def test_the_secret_is_derived_from_secret_key_never_secret_key_itself(settings):
    first = review_secret()
    assert settings.SECRET_KEY.encode() not in first
    settings.SECRET_KEY = "x" * 50
    assert review_secret() != first


@pytest.mark.parametrize("percent", [D("0"), D("1"), D("5"), D("12.5"), D("50")])
def test_the_rate_is_close_to_the_percent_over_many_ids(percent):
    n = 40_000
    hits = sum(review_draw(i, percent) for i in range(1, n + 1))
    expected = n * float(percent) / 100
    # Five standard deviations of a binomial: fails by chance far less than once in a million.
    sigma = (n * float(percent) / 100 * (1 - float(percent) / 100)) ** 0.5
    assert abs(hits - expected) <= 5 * sigma + 1


def test_zero_samples_nothing_and_hundred_samples_everything():
    assert not any(review_draw(i, D("0")) for i in range(1, 2000))
    assert all(review_draw(i, D("100")) for i in range(1, 2000))


def test_the_draw_is_monotonic_in_the_percent():
    # Raising the percent only adds resolutions to the sample, never swaps them.
    for i in range(1, 3000):
        if review_draw(i, D("3")):
            assert review_draw(i, D("3.01"))


def test_basis_points():
    assert basis_points(D("5")) == 500
    assert basis_points("0.25") == 25
    assert basis_points(100) == 10000


def test_always_above_reviews_every_amount_at_or_above_it():
    never = D("0")
    assert (
        review_reason(
            resolution_id=1, amount=D("100.00"), sample_percent=never, always_above=D("100.00")
        )
        == "always_above"
    )
    assert (
        review_reason(
            resolution_id=1, amount=D("99.99"), sample_percent=never, always_above=D("100.00")
        )
        is None
    )
    sampled = next(i for i in range(1, 1000) if review_draw(i, D("5")))
    assert (
        review_reason(
            resolution_id=sampled, amount=D("1.00"), sample_percent=D("5"), always_above=None
        )
        == "sampled"
    )
