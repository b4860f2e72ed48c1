from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        # Link the staff dashboards from the admin index. Through `index_template` rather than
        # an `admin/index.html` override, so no other app's template is shadowed.
        from django.contrib import admin

        if admin.site.index_template is None:
            admin.site.index_template = "reports/admin_index.html"
