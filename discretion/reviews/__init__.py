"""Verify after, not before: a random sample of what agents applied on their own
authority is reviewed by a supervisor after the fact (contract, "Review sampling")."""
