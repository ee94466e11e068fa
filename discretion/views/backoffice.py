"""Supervisor queue, admin screens and the dashboard."""

urlpatterns: list = []
