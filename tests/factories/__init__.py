"""factory_boy factories, one module per app (no fixture JSON).

Tests use them as ``from tests import factories`` and ``factories.CaseFactory()``: every
factory and the look-ups of seeded rows (``tier``, ``remedy``) are re-exported here.
``tests/common/test_suite.py`` checks that every model of our apps has one and that each
one makes a valid row.
"""

from tests.factories.audit import AuditEventFactory
from tests.factories.cases import (
    CaseEventFactory,
    CaseFactory,
    CustomerFactory,
    RemedyTypeFactory,
    ResolutionFactory,
    remedy,
)
from tests.factories.discretion import (
    BudgetWindowFactory,
    EscalationEventFactory,
    EscalationFactory,
    EscalationPolicyFactory,
    IdempotencyKeyFactory,
    NotificationFactory,
    OnCallShiftFactory,
    TeamFactory,
    TrustLimitFactory,
    TrustTierFactory,
    UserFactory,
    tier,
)
from tests.factories.incidents import IncidentCaseFactory, IncidentFactory, IncidentRemedyFactory
from tests.factories.integrations import IntegrationKeyFactory
from tests.factories.messages import CustomerMessageFactory
from tests.factories.playbook import FollowUpFactory, MessagingSettingsFactory
from tests.factories.policies import PolicyRuleFactory, PolicyRuleVersionFactory
from tests.factories.problems import (
    ChangeProposalFactory,
    ProblemCaseFactory,
    ProblemFactory,
    RootCauseFactory,
)
from tests.factories.proposals import LimitProposalFactory
from tests.factories.raises import LimitRequestFactory
from tests.factories.reviews import RecognitionFactory, ReviewFactory, ReviewPolicyFactory
from tests.factories.rotations import (
    OnCallOverrideFactory,
    OnCallRotationFactory,
    OnCallRotationMemberFactory,
)
from tests.factories.webhooks import (
    WebhookDeliveryFactory,
    WebhookEndpointFactory,
    WebhookEventFactory,
)

__all__ = [
    "AuditEventFactory",
    "BudgetWindowFactory",
    "CaseEventFactory",
    "CaseFactory",
    "ChangeProposalFactory",
    "CustomerFactory",
    "CustomerMessageFactory",
    "EscalationEventFactory",
    "EscalationFactory",
    "EscalationPolicyFactory",
    "FollowUpFactory",
    "IdempotencyKeyFactory",
    "IncidentCaseFactory",
    "IncidentFactory",
    "IncidentRemedyFactory",
    "IntegrationKeyFactory",
    "LimitProposalFactory",
    "LimitRequestFactory",
    "MessagingSettingsFactory",
    "NotificationFactory",
    "OnCallOverrideFactory",
    "OnCallRotationFactory",
    "OnCallRotationMemberFactory",
    "OnCallShiftFactory",
    "PolicyRuleFactory",
    "PolicyRuleVersionFactory",
    "ProblemCaseFactory",
    "ProblemFactory",
    "RecognitionFactory",
    "RemedyTypeFactory",
    "ResolutionFactory",
    "ReviewFactory",
    "ReviewPolicyFactory",
    "RootCauseFactory",
    "TeamFactory",
    "TrustLimitFactory",
    "TrustTierFactory",
    "UserFactory",
    "WebhookDeliveryFactory",
    "WebhookEndpointFactory",
    "WebhookEventFactory",
    "remedy",
    "tier",
]
