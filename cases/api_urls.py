from django.urls import path

from cases import api

urlpatterns = [
    path("cases/", api.CaseListCreate.as_view(), name="case-list"),
    path("cases/<int:pk>/", api.CaseDetail.as_view(), name="case-detail"),
    path("cases/<int:pk>/timeline/", api.CaseTimeline.as_view(), name="case-timeline"),
]
