"""Demo data beyond the few hand-written rows of ``seed_demo``: 90 days of history."""
