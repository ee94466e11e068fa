"""The words and numbers of the demo history: who works here since when, what customers
write about, what remedies cost, and what people say when they decide.

Data only (no Django): ``discretion.demo.plan`` draws from it with a seeded random
generator, so the history is the same on every machine except for "now".
"""

from __future__ import annotations

# Days since each demo user joined (``date_joined`` is back-dated to it, so the CEL
# context's ``agent.tenure_days`` and the records look like a real team's).
TENURE_DAYS: dict[str, int] = {
    "admin": 1500,
    "pam": 1400,
    "sam": 1100,
    "lee": 1450,
    "mei": 1000,
    "rosa": 900,
    "omar": 560,
    "ines": 380,
    "tariq": 240,
    "nina": 100,
    "kofi": 97,
    "zoe": 93,
}

# Who takes how many of the cases (a share weight), and how large the remedies they
# grant tend to be (new agents get the simpler cases).
AGENT_LOAD: dict[str, tuple[int, float]] = {
    "nina": (9, 0.8),
    "kofi": (8, 0.8),
    "zoe": (8, 0.8),
    "rosa": (12, 3.0),
    "omar": (12, 3.0),
    "ines": (11, 3.0),
    "tariq": (11, 3.0),
    "lee": (14, 4.5),
    "mei": (14, 4.5),
}

# The supervisor who reviews each team's work first.
TEAM_REVIEWER: dict[str, str] = {"Returns": "pam", "Billing": "sam", "Field Support": "pam"}

# The agent and remedy type whose record earns a limit proposal (CONTRACT.md, "Limit
# proposals"): a run of refunds just over her cap, every one approved unchanged.
PROPOSAL_PAIR = ("rosa", "refund")

# (subject, description) by category. A subject may carry {n} (an order number).
SUBJECTS: dict[str, tuple[tuple[str, str], ...]] = {
    "question": (
        ("Where is my order #{n}?", "Tracking has not moved for three days."),
        ("How do I return a gift without the receipt?", "The customer has the packing slip."),
        ("Can I change the delivery address of order #{n}?", "Order not yet dispatched."),
        ("Which size should I pick for the Alpine boots?", "Between 43 and 44."),
        ("Is the blender dishwasher-safe?", "Asks before buying a second one."),
        ("When will the green sofa be back in stock?", "Wants to be told when it is."),
        ("How do I update my card details?", "The saved card expired last month."),
        ("Can I pick up order #{n} in store instead?", "Lives near the city branch."),
        ("Do you deliver to the islands?", "Asks about shipping costs too."),
        ("Invoice needed for order #{n}", "For an expense claim at work."),
    ),
    "complaint": (
        ("Order #{n} arrived two days late", "Paid for express delivery."),
        ("Wrong colour delivered", "Ordered navy, received black."),
        ("Item arrived damaged", "The box was crushed; photos attached."),
        ("Charged twice for order #{n}", "Two identical card charges on the same day."),
        ("Missing part in the flat-pack wardrobe", "Hinge pack C is not in the box."),
        ("Late fee on an invoice paid on time", "Bank confirmation attached."),
        ("Subscription renewed after cancelling", "Cancellation e-mail on file."),
        ("Courier left the parcel in the rain", "The contents are soaked."),
        ("Promo code not applied at checkout", "The code was valid until Sunday."),
        ("Refund for the return still not received", "Returned three weeks ago."),
        ("Heater stopped working after a week", "No heat on any setting."),
        ("Delivery slot missed, nobody called", "The customer took a morning off."),
        ("Parcel marked delivered but not received", "Neighbours have not seen it."),
        ("Shoes fell apart after two weeks", "The sole came off on a walk."),
        ("Price dropped the day after I ordered", "Asks for the difference."),
        ("Rude answer on the phone line", "The customer wants an apology."),
        ("Coffee machine leaks from the base", "Bought six weeks ago."),
        ("Duplicate subscription charge", "Charged for two premium plans."),
    ),
    "crisis": (
        ("Fibre outage in the Riverside area", "No connection since the morning."),
        ("Cannot log in since the app update", "'Session expired' on every attempt."),
        ("Payment page down during the sale", "The order failed three times."),
        ("Recall: kettle base overheating", "The customer stopped using it."),
    ),
}

# The outage about three days ago: what everybody wrote about.
OUTAGE = (
    "Fibre outage: no internet since this morning",
    "Riverside and Eastfield lost their connection during the network outage; the "
    "customer works from home and lost a working day.",
)

# Remedy mix per category: (remedy code, weight). None: no remedy asked for.
REMEDY_MIX: dict[str, tuple[tuple[str | None, int], ...]] = {
    "question": (
        (None, 62),
        ("apology", 12),
        ("expedited_shipping", 12),
        ("goodwill_gesture", 8),
        ("fee_waiver", 6),
    ),
    "complaint": (
        (None, 8),
        ("refund", 34),
        ("store_credit", 14),
        ("goodwill_gesture", 13),
        ("fee_waiver", 11),
        ("replacement", 9),
        ("expedited_shipping", 5),
        ("apology", 6),
    ),
    "crisis": (
        (None, 10),
        ("goodwill_gesture", 40),
        ("fee_waiver", 20),
        ("store_credit", 18),
        ("refund", 6),
        ("apology", 6),
    ),
}

# Amounts drawn from a list (fees and shipping have price lists).
AMOUNT_CHOICES: dict[str, tuple[str, ...]] = {
    "goodwill_gesture": ("5.00", "10.00", "10.00", "15.00", "15.00", "20.00", "25.00"),
    "fee_waiver": ("5.00", "7.50", "9.99", "12.00", "15.00", "19.99", "25.00", "35.00"),
    "expedited_shipping": ("7.95", "9.95", "12.50", "14.95", "19.95", "24.95", "39.95"),
}

# Log-normal amounts (mu, sigma, floor, ceiling) for the ones that follow an item's price.
AMOUNT_LOGNORMAL: dict[str, tuple[float, float, int, int]] = {
    "refund": (3.2, 0.9, 5, 400),
    "store_credit": (3.4, 0.7, 10, 250),
    "replacement": (3.8, 0.7, 15, 300),
}

REASONS: dict[str, tuple[str, ...]] = {
    "refund": (
        "Refund of the delivery fee: the parcel arrived late.",
        "Refund of the damaged item; the customer keeps it, no return needed.",
        "Duplicate charge confirmed by the payment provider.",
        "Partial refund for the missing part.",
        "Refund of the price difference promised in the promotion.",
    ),
    "store_credit": (
        "Store credit for the inconvenience of a second delivery.",
        "Credit for the promo code that failed at checkout.",
        "Credit instead of a return the customer does not want to make.",
    ),
    "goodwill_gesture": (
        "Goodwill for a long wait on the phone line.",
        "Goodwill for the missed delivery slot.",
        "Goodwill for the outage; the customer lost a working day.",
    ),
    "fee_waiver": (
        "Late fee charged in error: the payment was on time.",
        "Waive the redelivery fee: our courier missed the slot.",
        "Waive this month's service fee for the outage.",
    ),
    "replacement": (
        "Replacement for the item damaged in transit.",
        "Replacement: wrong colour delivered.",
        "Replacement for a faulty unit under warranty.",
    ),
    "expedited_shipping": (
        "Express shipping on the exchange so it arrives before the weekend.",
        "Upgrade the re-sent parcel to express.",
    ),
    "apology": (
        "Apology for the tone of the phone call.",
        "Apology for the confusing invoice.",
        "Apology for the delay in answering.",
    ),
}

BIG_REFUND_REASON = "Refund of a sofa returned in its original packaging."

# Decision notes end without a full stop: the timeline adds one after them.
APPROVE_NOTES = ("", "", "", "Fair: the customer has been patient", "OK, documented on the case")
LOWER_NOTES = (
    "Lowered to what we usually give for this",
    "Half now; the rest when the return is scanned",
    "Lowered to what the customer actually paid",
)
DENY_NOTES = (
    "Outside the return window; offered a repair instead",
    "Already compensated last week on another case",
    "The courier's photo shows a safe delivery; no remedy",
)

COACH_NOTES = (
    "Good instinct to help; next time check the order history first: this was the "
    "third claim this month.",
    "Kind message. A replacement would have cost us less than the refund here.",
    "Nicely handled tone. Remember to attach the photo to the case before refunding.",
)
POLICY_GAP_NOTES = (
    "The agent did the right thing, but our limits do not cover outage credits well.",
    "There is no remedy type for a partial fee waiver; worth adding.",
)
GOOD_NOTES = ("", "", "Well judged.", "Exactly the right size of remedy.")
ABOVE_NOTES = (
    "Turned an angry customer into a fan: read the case timeline.",
    "Spotted the duplicate charge before the customer did.",
    "Called the customer back on a Sunday to fix it.",
)
KUDOS_NOTES = (
    "Thanks for covering my queue during the outage!",
    "Your macro for late deliveries saved me an hour today.",
    "Great handover notes on the courier case.",
    "Thanks for explaining the fee waiver rules so patiently.",
    "You calmed that customer down brilliantly.",
)

FIRST_NAMES = (
    "Anna", "Ben", "Chloe", "David", "Elif", "Femi", "Grace", "Hugo", "Isla", "Jakub",
    "Kenji", "Lina", "Marco", "Nadia", "Oscar", "Paula", "Quentin", "Rania", "Sven",
    "Tara", "Umar", "Vera", "Will", "Ximena", "Yusuf", "Zara",
)  # fmt: skip
LAST_NAMES = (
    "Adams", "Brennan", "Costa", "Dubois", "Eriksen", "Fernandes", "Gallo", "Horvat",
    "Ibrahim", "Jansen", "Kowalski", "Lambert", "Murphy", "Novak", "Olsen", "Petrov",
    "Quinn", "Rossi", "Silva", "Takahashi", "Ueda", "Varga", "Weber", "Yilmaz", "Zhou",
)  # fmt: skip
