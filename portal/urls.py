"""Trader portal routes (mounted at the site root by config.home_urls)."""

from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("live/stream/", views.live_stream, name="live_stream"),
    path("certificates/", views.my_certificates, name="certificates"),
    path("certificates/<str:public_id>/", views.certificate_public, name="certificate"),
    path(
        "certificates/<str:public_id>/certificate.pdf",
        views.certificate_download,
        name="certificate_pdf",
    ),
    path("trading/<str:login>/", views.account_detail, name="account"),
    path("trading/<str:login>/journal/", views.journal, name="journal"),
    path("trading/<str:login>/statistics/", views.account_statistics, name="statistics"),
    path("trading/<str:login>/journal.csv", views.journal_csv, name="journal_csv"),
    path("trading/<str:login>/failure/", views.failure, name="failure"),
    path(
        "trading/<str:login>/violations/<int:pk>/",
        views.violation_detail,
        name="violation",
    ),
]
