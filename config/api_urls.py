"""REST API routes (mounted at /api/). Each app adds its router here."""

from django.urls import include, path

urlpatterns: list = [
    path("bridge/", include("imports.api_urls")),
    path("live/", include("live.api_urls")),
]
