"""Follow-through: follow-ups promised to a customer, due reminders, the follow-through rate."""
