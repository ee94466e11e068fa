"""The pure decision engine, table-driven: no database."""

from decimal import Decimal as D

import pytest

from discretion.engine import Check, Limits, RuleHit, Usage, decide, decide_from_checks

LIMITS = Limits(
    per_remedy_max=D("100.00"),
    per_case_max=D("150.00"),
    daily_max=D("200.00"),
    monthly_max=D("1000.00"),
)


NO_USAGE = Usage()


def run(amount, limits=LIMITS, usage=NO_USAGE, rules=(), monetary=True):
    return decide(
        remedy_name="Refund",
        amount=D(amount),
        limits=limits,
        usage=usage,
        rule_hits=rules,
        currency="USD",
        monetary=monetary,
    )


def check(decision, name):
    return next(c for c in decision.checks if c.name == name)


@pytest.mark.parametrize(
    ("name", "amount", "usage", "passed"),
    [
        # per remedy: at, just under, just over its cap
        ("per_remedy_max", "100.00", Usage(), True),
        ("per_remedy_max", "99.99", Usage(), True),
        ("per_remedy_max", "100.01", Usage(), False),
        # per case: 150 cap with 60 already applied on the case
        ("per_case_max", "90.00", Usage(case_used=D("60.00")), True),
        ("per_case_max", "89.99", Usage(case_used=D("60.00")), True),
        ("per_case_max", "90.01", Usage(case_used=D("60.00")), False),
        # daily: 200 cap with 120 used today
        ("daily_max", "80.00", Usage(daily_used=D("120.00")), True),
        ("daily_max", "79.99", Usage(daily_used=D("120.00")), True),
        ("daily_max", "80.01", Usage(daily_used=D("120.00")), False),
        # monthly: 1000 cap with 950 used this month
        ("monthly_max", "50.00", Usage(monthly_used=D("950.00")), True),
        ("monthly_max", "49.99", Usage(monthly_used=D("950.00")), True),
        ("monthly_max", "50.01", Usage(monthly_used=D("950.00")), False),
    ],
)
def test_each_check_at_under_and_over_its_cap(name, amount, usage, passed):
    decision = run(amount, usage=usage)
    row = check(decision, name)
    assert row.passed is passed
    assert row.requested == D(amount)
    assert decision.outcome == ("apply" if passed else "escalate")
    if not passed:
        assert "Goes to a supervisor" in decision.summary


def test_checks_are_reported_in_contract_order_whether_passed_or_not():
    decision = run("10.00")
    assert [c.name for c in decision.checks] == [
        "per_remedy_max",
        "per_case_max",
        "daily_max",
        "monthly_max",
        "policy_rules",
    ]
    assert all(c.passed for c in decision.checks)


def test_null_caps_are_uncapped_and_report_null_limit():
    limits = Limits(per_remedy_max=D("500.00"))
    decision = run("400.00", limits=limits, usage=Usage(D("9000"), D("9000"), D("90000")))
    assert decision.outcome == "apply"
    for name in ("per_case_max", "daily_max", "monthly_max"):
        assert check(decision, name).limit is None
        assert check(decision, name).passed
    assert "no caps apply" in decision.summary


def test_no_limit_at_all_escalates_anything_above_zero():
    decision = run("0.01", limits=None)
    assert decision.outcome == "escalate"
    assert check(decision, "per_remedy_max").limit == D("0.00")
    assert "no trust limit" in decision.summary
    assert run("0.00", limits=None).outcome == "apply"


def test_non_monetary_remedy_applies_without_budget():
    decision = decide(
        remedy_name="Apology",
        amount=D("0.00"),
        limits=None,
        usage=Usage(),
        rule_hits=(),
        currency="USD",
        monetary=False,
    )
    assert decision.outcome == "apply"
    assert "apology" in decision.summary


def test_summary_names_the_failed_check_and_the_headroom():
    decision = run("150.00", usage=Usage(daily_used=D("120.00")))
    assert decision.outcome == "escalate"
    assert "limit per remedy of $100.00" in decision.summary
    assert "daily limit" in decision.summary
    ok = run("30.00", usage=Usage(daily_used=D("120.00")))
    assert ok.summary.startswith("Applies now: $30.00 refund")
    assert "$50.00 left today" in ok.summary


DENY = RuleHit(7, "No cash refunds over 300", 2, "deny", "Send them to the returns desk.")
ASK = RuleHit(8, "Frequent flyer", 1, "require_approval", "Four remedies this month.")
BROKEN = RuleHit(9, "Broken rule", 1, "require_approval", "x", error="no such key: foo")


@pytest.mark.parametrize(
    ("rules", "amount", "outcome", "in_summary"),
    [
        ((DENY,), "10.00", "reject", "returns desk"),
        ((DENY,), "500.00", "reject", "No cash refunds"),  # deny wins over failed checks
        ((ASK,), "10.00", "escalate", "Four remedies this month"),
        ((ASK, DENY), "10.00", "reject", "No cash refunds"),
        ((BROKEN,), "10.00", "escalate", "could not be checked"),
        ((), "10.00", "apply", "Applies now"),
    ],
)
def test_policy_rules(rules, amount, outcome, in_summary):
    decision = run(amount, rules=rules)
    assert decision.outcome == outcome
    assert in_summary in decision.summary
    assert check(decision, "policy_rules").passed is (not rules)
    assert decision.rules == tuple(rules)


@pytest.mark.parametrize("message", ["Four remedies this month.", "Four remedies", "Ask first!"])
def test_a_summary_is_one_sentence_whatever_the_rule_message_ends_with(message):
    rule = RuleHit(8, "Frequent flyer", 1, "require_approval", message)
    summary = run("10.00", rules=(rule,)).summary
    assert summary.endswith(message if message[-1] in ".!" else message + ".")
    assert ".." not in summary and "!." not in summary


def test_every_failed_check_is_named_in_plain_words():
    decision = run(
        "500.00",
        usage=Usage(D("0"), D("0"), D("0")),
        limits=Limits(
            per_remedy_max=D("100.00"),
            per_case_max=D("150.00"),
            daily_max=D("400.00"),
            monthly_max=D("2000.00"),
            approval_max=None,
        ),
    )
    assert decision.summary.endswith(
        "over your limit per remedy of $100.00; "
        "also over your limit for this case and your daily limit."
    ), decision.summary


def test_decide_from_checks_replays_recorded_checks():
    original = run("150.00", usage=Usage(daily_used=D("10.00")))
    recorded = tuple(c for c in original.checks if c.name != "policy_rules")
    replay = decide_from_checks(
        remedy_name="Refund", amount=D("150.00"), checks=recorded, rule_hits=(), currency="USD"
    )
    assert replay == original
    with_rule = decide_from_checks(
        remedy_name="Refund", amount=D("150.00"), checks=recorded, rule_hits=(DENY,), currency="USD"
    )
    assert with_rule.outcome == "reject"


def test_engine_is_deterministic_and_check_dataclass_is_frozen():
    assert run("42.00") == run("42.00")
    with pytest.raises(AttributeError):
        run("1.00").checks[0].passed = False  # type: ignore[misc]
    assert isinstance(run("1.00").checks[0], Check)
