"""Live API routes for bridges, mounted under /api/live/ (docs/bridges.md, docs/live-risk.md)."""

from django.urls import path

from . import api, commands_api

app_name = "live_api"

urlpatterns = [
    path("ticks/", api.TickBatchView.as_view(), name="ticks"),
    path("positions/", api.PositionBatchView.as_view(), name="positions"),
    path("commands/", commands_api.CommandListView.as_view(), name="commands"),
    path(
        "commands/<int:command_id>/ack/",
        commands_api.CommandAckView.as_view(),
        name="command_ack",
    ),
]
