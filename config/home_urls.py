"""The site root: the trader portal, plus the liveness probe."""

from django.urls import include, path

from config import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that declare none (admin, error pages).
    path("favicon.ico", views.favicon),
    path("", include("portal.urls")),
]
