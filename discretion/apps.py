from django.apps import AppConfig


class DiscretionConfig(AppConfig):
    name = "discretion"
    verbose_name = "Discretion"
