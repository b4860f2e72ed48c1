"""Bridge API routes, mounted under /api/bridge/."""

from django.urls import path

from . import api

app_name = "bridge"

urlpatterns = [
    path("trades/", api.TradeBatchView.as_view(), name="trades"),
    path("snapshots/", api.SnapshotBatchView.as_view(), name="snapshots"),
]
