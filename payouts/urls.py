from django.urls import path

from . import run_views, views

app_name = "payouts"

urlpatterns = [
    path("", views.index, name="index"),
    path("account/<str:login>/", views.account_payout, name="account"),
    path("destination/", views.destination, name="destination"),
    path("destination/confirm/", views.destination_confirm, name="destination_confirm"),
    path("queue/", views.queue, name="queue"),
    path("export.csv", views.export_csv, name="export"),
    path("runs/", run_views.runs, name="runs"),
    path("runs/<int:run_id>/", run_views.run, name="run"),
    path("runs/<int:run_id>/export.csv", run_views.run_csv, name="run_csv"),
    path("runs/<int:run_id>/pain001.xml", run_views.run_pain001, name="run_pain001"),
    path("runs/<int:run_id>/pay/", run_views.run_pay, name="run_pay"),
    path("runs/<int:run_id>/cancel/", run_views.run_cancel, name="run_cancel"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/pay/", views.pay, name="pay"),
]
