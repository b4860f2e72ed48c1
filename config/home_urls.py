"""The site root: the trader portal, plus the liveness probe."""

from django.urls import include, path

from config import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", include("evaluations.urls")),
]
