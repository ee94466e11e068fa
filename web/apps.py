from django.apps import AppConfig


class WebConfig(AppConfig):
    """Every HTML screen, by role. No models: it calls the domain apps' services and
    selectors and renders ``templates/``."""

    name = "web"
    label = "web"
