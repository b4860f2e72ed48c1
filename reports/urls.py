from django.urls import path

from . import abuse_views, live_views, views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("risk/", views.risk_monitor, name="risk"),
    path("risk/panel/", views.risk_panel, name="risk_panel"),
    path("live/", live_views.live_monitor, name="live"),
    path("live/stream/", live_views.live_stream, name="live_stream"),
    path("funnel/", views.funnel, name="funnel"),
    path("money/", views.money, name="money"),
    path("traders/", views.leaderboard, name="leaderboard"),
    path("traders/<int:pk>/", views.trader, name="trader"),
    path("traders/<int:pk>/<slug:slug>.csv", views.trader_export, name="trader_export"),
    path("export/<slug:slug>.csv", views.export, name="export"),
    path("abuse/", abuse_views.case_queue, name="abuse_cases"),
    path("abuse/<int:case_id>/", abuse_views.case_page, name="abuse_case"),
    path("abuse/<int:case_id>/assign/", abuse_views.case_assign, name="abuse_assign"),
    path("abuse/<int:case_id>/comment/", abuse_views.case_comment, name="abuse_comment"),
    path("abuse/<int:case_id>/decide/", abuse_views.case_decide, name="abuse_decide"),
]
