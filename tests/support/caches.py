"""Every per-process cache of the app, and the one call that empties them all.

``tests/conftest.py`` calls ``caches_reset()`` around every test, so no test sees another's
cached state (remedy-type ids change when a transactional test re-seeds, rules change
between tests, statement plans are per model).
"""

from __future__ import annotations

from common.db import plan_caches_reset
from discretion.incidents.matcher import matcher_cache_reset
from discretion.rotations.turns import turn_caches_reset
from discretion.trust.selectors import remedy_types_reset
from discretion.webhooks.subscriptions import webhook_subscriptions_reset
from policies.evaluation import reset_ruleset_cache

# The reset function that sits next to each cache, in its owning module. A new cache gets
# its reset added here: tests/common/test_caches.py finds the modules that keep state and
# fails for one without a reset in this list.
CACHE_RESETS = (
    plan_caches_reset,
    reset_ruleset_cache,
    remedy_types_reset,
    webhook_subscriptions_reset,
    turn_caches_reset,
    matcher_cache_reset,
)


def caches_reset() -> None:
    """Empty every per-process cache of the app."""
    for reset in CACHE_RESETS:
        reset()
