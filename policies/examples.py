"""The example rule library (also in docs/policy-rules.md), as data the demo seed can load.

Each entry: name, description, expression, effect, message, priority, variables (the
context variables it reads). ``tests/test_policies_examples.py`` checks every one saves.
"""

from __future__ import annotations

EXAMPLE_RULES: list[dict] = [
    {
        "name": "Refunds over 300 go to the returns desk",
        "description": "Large cash refunds are handled by the returns desk, which checks the "
        "item came back. Store credit and replacements are not affected.",
        "expression": "remedy == 'refund' && amount > 300.0",
        "effect": "require_approval",
        "message": "Refunds over 300 are handled by the returns desk: a supervisor will "
        "confirm the return before the money goes out.",
        "priority": 10,
        "variables": ["remedy", "amount"],
    },
    {
        "name": "Frequent remedies need a second pair of eyes",
        "description": "A customer who already received 4 or more remedies in 30 days may be "
        "gaming goodwill, or may have a problem nobody fixed. Either way a supervisor looks.",
        "expression": "customer.remedies_30d_count >= 4 && amount > 0.0",
        "effect": "require_approval",
        "message": "This customer has had 4 or more remedies in the last 30 days; a "
        "supervisor will take a second look.",
        "priority": 20,
        "variables": ["customer.remedies_30d_count", "amount"],
    },
    {
        "name": "New agents: goodwill over 50 needs approval",
        "description": "Agents in their first 90 days (or in the 'new' tier) learn the ropes "
        "with a supervisor on larger goodwill gestures.",
        "expression": "remedy == 'goodwill_gesture' && amount > 50.0 "
        "&& (agent.tier == 'new' || agent.tenure_days < 90)",
        "effect": "require_approval",
        "message": "Goodwill over 50 from agents in their first 90 days goes to a supervisor.",
        "priority": 30,
        "variables": ["remedy", "amount", "agent.tier", "agent.tenure_days"],
    },
    {
        "name": "Crisis cases: approval for anything over 200",
        "description": "Crisis cases (outages, safety, press) are coordinated centrally; large "
        "remedies must be consistent across customers. A case in an active incident is "
        "already coordinated: its schedule and budget decide.",
        "expression": "case.category == 'crisis' && !incident.active && amount > 200.0",
        "effect": "require_approval",
        "message": "On crisis cases, remedies over 200 are coordinated by a supervisor so "
        "every affected customer is treated alike.",
        "priority": 15,
        "variables": ["case.category", "incident.active", "amount"],
    },
    {
        "name": "Fresh case, big refund",
        "description": "A refund over 100 on a case opened less than an hour ago skips the "
        "usual investigation; a classic pattern of social-engineering fraud.",
        "expression": "remedy == 'refund' && amount > 100.0 && case.age_hours < 1.0",
        "effect": "require_approval",
        "message": "Refunds over 100 on a case less than an hour old need a supervisor: "
        "check the order and the return first.",
        "priority": 25,
        "variables": ["remedy", "amount", "case.age_hours"],
    },
    {
        "name": "No cash refunds over 1000",
        "description": "Above 1000 the finance team issues refunds itself; agents cannot, and "
        "neither can their supervisors through this tool.",
        "expression": "remedy == 'refund' && amount > 1000.0",
        "effect": "deny",
        "message": "Refunds over 1000 are issued by Finance: raise a finance ticket from the "
        "case instead.",
        "priority": 1,
        "variables": ["remedy", "amount"],
    },
    {
        "name": "Case total over 500",
        "description": "However it is split, a single case should not collect more than 500 "
        "in remedies without a supervisor seeing the whole picture.",
        "expression": "amount > 0.0 && case.remedies_total + amount > 500.0",
        "effect": "require_approval",
        "message": "This would take the case's remedies over 500 in total; a supervisor "
        "will review the case as a whole.",
        "priority": 40,
        "variables": ["amount", "case.remedies_total"],
    },
    {
        "name": "High-value customer history",
        "description": "A customer who received more than 750 in remedies this month gets "
        "a supervisor's attention before anything else monetary.",
        "expression": "customer.remedies_30d_total + amount > 750.0 && amount > 0.0",
        "effect": "require_approval",
        "message": "This customer has received over 750 in remedies in 30 days including "
        "this one; a supervisor will check for an unresolved root cause.",
        "priority": 45,
        "variables": ["customer.remedies_30d_total", "amount"],
    },
    {
        "name": "Questions don't get refunds",
        "description": "A case filed as a question has no complaint behind it: money-back "
        "remedies are refused (an apology or expedited shipping is fine).",
        "expression": "case.category == 'question' && remedy in ['refund', 'store_credit']",
        "effect": "deny",
        "message": "Cases filed as questions cannot receive refunds or store credit; "
        "re-categorise the case as a complaint if there is one.",
        "priority": 5,
        "variables": ["case.category", "remedy"],
    },
    {
        "name": "Fee waivers stay with billing",
        "description": "Only the billing team waives fees above 25; other teams escalate.",
        "expression": "remedy == 'fee_waiver' && amount > 25.0 && agent.team != 'Billing'",
        "effect": "require_approval",
        "message": "Fee waivers over 25 outside the Billing team need a supervisor.",
        "priority": 50,
        "variables": ["remedy", "amount", "agent.team"],
    },
    {
        "name": "Test accounts never get money",
        "description": "Internal test customers (ids starting with TEST-) must not be paid.",
        "expression": "customer.external_id.startsWith('TEST-') && amount > 0.0",
        "effect": "deny",
        "message": "This is an internal test customer: no monetary remedies.",
        "priority": 2,
        "variables": ["customer.external_id", "amount"],
    },
]
