"""Browser app URLs: the agent workspace, and the supervisor/admin back office."""

from django.urls import include, path

urlpatterns = [
    path("", include("web.agent.views")),
    path("", include("web.agent.kudos")),
    path("", include("web.agent.record")),
    path("", include("web.agent.problems")),
    path("", include("web.agent.problem_cord")),
    path("", include("web.backoffice")),
    path("", include("web.embed.views")),
]
