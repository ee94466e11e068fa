# The project's Celery app, loaded with Django (Celery's Django recipe), so that every
# thread's ``celery.current_app`` is it: ``common.tasks.task_send`` publishes through it.
from config.celery import app as celery_app

__all__ = ("celery_app",)
