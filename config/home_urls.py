"""The site root. The trader portal issue replaces this with the portal's own URLs."""

from django.urls import path

from config import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
]
