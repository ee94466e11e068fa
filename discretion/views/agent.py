"""Agent workspace: login, home, cases, case page with the resolve panel."""

urlpatterns: list = []
