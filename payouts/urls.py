from django.urls import path

from . import views

app_name = "payouts"

urlpatterns = [
    path("", views.index, name="index"),
    path("account/<str:login>/", views.account_payout, name="account"),
    path("destination/", views.destination, name="destination"),
    path("destination/confirm/", views.destination_confirm, name="destination_confirm"),
    path("queue/", views.queue, name="queue"),
    path("export.csv", views.export_csv, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/pay/", views.pay, name="pay"),
]
