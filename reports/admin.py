from django.contrib import admin

from .models import DailyReport


@admin.register(DailyReport)
class DailyReportAdmin(admin.ModelAdmin):
    """Read-only: the record of which daily reports went out, to whom, with which numbers."""

    list_display = ("day", "claimed_at", "sent_at")
    date_hierarchy = "day"
    readonly_fields = ("day", "claimed_at", "sent_at", "recipients", "summary", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
