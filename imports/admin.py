"""Admin for imports: the ImportBatch log (read-only) and the trade upload page.

The upload page is for staff who may add trades (risk, admins). It calls the same
`import_file` service as the command line and the bridge API, and shows its report.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.admin import ReadOnlyAdminMixin
from evaluations.models import ImportBatch, ImportSource, TradingAccount
from evaluations.models.programs import validate_time_zone
from imports.detect import FORMATS
from imports.service import import_file, report_text

UPLOAD_PERMISSION = "evaluations.add_trade"


class TradeUploadForm(forms.Form):
    file = forms.FileField(help_text="Platform export or PropDesk canonical CSV")
    account = forms.CharField(
        required=False,
        max_length=32,
        help_text="Platform login; optional for canonical files with an account column "
        "and for MT4/MT5 reports that name their account",
    )
    format = forms.ChoiceField(
        choices=[("auto", "Detect from the header")] + [(f, f) for f in FORMATS]
    )
    broker_tz = forms.CharField(
        initial="UTC",
        max_length=64,
        validators=[validate_time_zone],
        help_text="Time zone of the file's times (IANA name, e.g. Europe/Athens)",
    )
    partial = forms.BooleanField(
        required=False, help_text="Commit the good rows even if some rows are bad"
    )

    def clean_account(self) -> TradingAccount | None:
        login = self.cleaned_data["account"].strip()
        if not login:
            return None
        account = TradingAccount.objects.filter(login=login).first()
        if account is None:
            raise forms.ValidationError(f"No account with login {login}.")
        return account


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The import log is a record: made on the upload page (or by the CLI and API), never typed
    in, edited or unlogged; wrong trades are corrected in the trade admin."""

    list_display = (
        "id", "created_at", "source", "format", "account", "status", "rows_total", "rows_new",
        "rows_updated", "rows_unchanged", "rows_rejected", "duration_ms", "created_by",
    )  # fmt: skip
    list_filter = ("status", "source", "format")
    search_fields = ("filename", "sha256", "account__login")
    date_hierarchy = "created_at"
    list_select_related = ("account__program", "account__phase", "created_by")
    readonly_fields = [f.name for f in ImportBatch._meta.fields]
    change_list_template = "admin/evaluations/importbatch/change_list.html"

    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        return [
            path("upload/", upload, name="evaluations_importbatch_upload"),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        if not request.user.has_perm(UPLOAD_PERMISSION):
            raise PermissionDenied
        batch = None
        form = TradeUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            uploaded = form.cleaned_data["file"]
            batch = import_file(
                uploaded,
                fmt=form.cleaned_data["format"],
                account=form.cleaned_data["account"],
                broker_tz=form.cleaned_data["broker_tz"],
                partial=form.cleaned_data["partial"],
                source=ImportSource.ADMIN,
                user=request.user,
                filename=uploaded.name,
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload trades",
            "opts": self.model._meta,
            "form": form,
            "batch": batch,
            "report": report_text(batch) if batch else "",
            "max_bytes": settings.IMPORT_MAX_UPLOAD_BYTES,
            "batch_url": (
                reverse("admin:evaluations_importbatch_change", args=[batch.pk]) if batch else ""
            ),
        }
        return TemplateResponse(request, "admin/evaluations/importbatch/upload.html", context)
