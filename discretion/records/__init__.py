"""The track record: what an agent asked for and what became of it, per remedy type, and
the same over time for their private **My record** page. Reads only (``selectors.py``);
nothing is stored here: every figure is an aggregate over the agent's own requests on the
index ``resolution_agent_created_idx`` (cases migration 0004)."""
