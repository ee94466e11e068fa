from django.urls import path

from common.health import healthz

# Both spellings: load balancers are configured by hand and one of them will drop the slash.
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("healthz/", healthz),
]
