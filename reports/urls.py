from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("risk/", views.risk_monitor, name="risk"),
    path("risk/panel/", views.risk_panel, name="risk_panel"),
    path("funnel/", views.funnel, name="funnel"),
    path("money/", views.money, name="money"),
    path("traders/", views.leaderboard, name="leaderboard"),
    path("traders/<int:pk>/", views.trader, name="trader"),
    path("traders/<int:pk>/<slug:slug>.csv", views.trader_export, name="trader_export"),
    path("export/<slug:slug>.csv", views.export, name="export"),
]
