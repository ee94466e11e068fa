"""/api/v1/policy-rules/… (``policy-rules/backtest/`` is served by discretion.api.backtest,
which is mounted first)."""

from django.urls import path

from policies import api

urlpatterns = [
    path("policy-rules/", api.PolicyRuleListApi.as_view(), name="policy-rule-list"),
    path(
        "policy-rules/validate/", api.PolicyRuleValidateApi.as_view(), name="policy-rule-validate"
    ),
    path("policy-rules/context/", api.PolicyContextApi.as_view(), name="policy-rule-context"),
    path(
        "policy-rules/<int:rule_id>/", api.PolicyRuleDetailApi.as_view(), name="policy-rule-detail"
    ),
    path(
        "policy-rules/<int:rule_id>/versions/",
        api.PolicyRuleVersionListApi.as_view(),
        name="policy-rule-versions",
    ),
]
