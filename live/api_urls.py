"""Live API routes, mounted under /api/live/."""

from django.urls import path

from . import api

app_name = "live_api"

urlpatterns = [
    path("ticks/", api.TickBatchView.as_view(), name="ticks"),
    path("positions/", api.PositionBatchView.as_view(), name="positions"),
]
