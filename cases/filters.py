"""Query-string filters of the case list: ?status=&category=&assignee=me|none|<id>&q=."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from rest_framework.exceptions import ValidationError

from cases.models import Case
from common.errors import Invalid
from common.query import id_parse


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Case.Status.choices)
    category = django_filters.ChoiceFilter(choices=Case.Category.choices)
    assignee = django_filters.CharFilter(
        method="filter_assignee", help_text="me, none or a user id"
    )
    customer = django_filters.CharFilter(field_name="customer__external_id")
    q = django_filters.CharFilter(method="filter_q", help_text="Search subject and customer name")

    class Meta:
        model = Case
        fields = ["status", "category", "assignee", "customer", "q"]

    def filter_assignee(self, queryset, name, value):
        value = value.strip().lower()
        if value == "me":
            return queryset.filter(assignee_id=self.request.user.pk)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        try:
            assignee_id = id_parse(value, name="assignee", message="Use 'me', 'none' or a user id.")
        except Invalid as refusal:
            raise ValidationError(refusal.fields) from None
        return queryset.filter(assignee_id=assignee_id)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(subject__icontains=value)
            | Q(customer__name__icontains=value)
            | Q(customer__external_id__iexact=value)
            | Q(external_ref__iexact=value)
        )
