from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import view_as
from accounts.views import VerifiedEmailChangeView

admin.site.site_header = "PropDesk back office"
admin.site.site_title = "PropDesk"
admin.site.index_title = "Programs, accounts, risk and payouts"
# One sign-in for everyone: the admin's own password form would skip the lockout and the
# second factor, so it sends visitors to the portal's sign-in (and refuses traders).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/email/", VerifiedEmailChangeView.as_view(), name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("api/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline scripts.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("payouts/", include("payouts.urls")),
    path("hijack/", include((view_as.urlpatterns, "hijack"))),
    path("staff/", include("reports.urls")),
    path("", include("config.home_urls")),
]
