"""Live API routes for bridges, mounted under /api/live/ (docs/bridges.md)."""

from django.urls import path

from . import commands_api

app_name = "live_api"

urlpatterns = [
    path("commands/", commands_api.CommandListView.as_view(), name="commands"),
    path(
        "commands/<int:command_id>/ack/",
        commands_api.CommandAckView.as_view(),
        name="command_ack",
    ),
]
