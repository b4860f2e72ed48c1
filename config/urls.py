from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

admin.site.site_header = "PropDesk back office"
admin.site.site_title = "PropDesk"
admin.site.index_title = "Programs, accounts, risk and payouts"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("payouts/", include("payouts.urls")),
    path("staff/", include("reports.urls")),
    path("", include("config.home_urls")),
]
