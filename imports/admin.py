"""Admin for imports: the ImportBatch log (read-only), the trade upload page and its result page.

The upload page is for staff who may add trades (risk, admins). It stores the file and queues
its import (`imports.service.queue_upload`); a Celery worker runs the same `import_file` service
as the command line and the bridge API. The result page follows the batch from queued to its
report, polling with htmx every 2 s until the import has its outcome.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.admin import ReadOnlyAdminMixin
from evaluations.account_names import account_named
from evaluations.models import ImportBatch, TradingAccount
from evaluations.models.accounts import LOGIN_MAX_LENGTH
from evaluations.models.programs import validate_time_zone
from imports.detect import FORMATS
from imports.service import account_lines, queue_upload, report_text

UPLOAD_PERMISSION = "evaluations.add_trade"
POLL_SECONDS = 2  # the result page asks again this often while the import waits or runs


class TradeUploadForm(forms.Form):
    file = forms.FileField(help_text="Platform export or PropDesk canonical CSV")
    account = forms.CharField(
        required=False,
        max_length=LOGIN_MAX_LENGTH,
        help_text="Platform login or alias; optional for files with an account column "
        "(canonical, NinjaTrader) and for MT4/MT5 reports that name their account",
    )
    format = forms.ChoiceField(
        choices=[("auto", "Detect from the header")] + [(f, f) for f in FORMATS]
    )
    broker_tz = forms.CharField(
        required=False,
        max_length=64,
        validators=[validate_time_zone],
        help_text="Time zone of the file's times (IANA name, e.g. Europe/Athens); empty: the "
        "account's server zone (UTC, with a warning, if it has none)",
    )
    partial = forms.BooleanField(
        required=False, help_text="Commit the good rows even if some rows are bad"
    )
    date_order = forms.ChoiceField(
        choices=[
            ("auto", "Detect from the file (a day above 12)"),
            ("dmy", "Day first (10/02/2026 = 10 February)"),
            ("mdy", "Month first (10/02/2026 = 2 October)"),
        ],
        initial="auto",
        required=False,
        help_text="Only needed when no day in the file is above 12",
    )
    skip_other_accounts = forms.BooleanField(
        required=False,
        help_text="With an account given: skip the rows of other accounts instead of refusing",
    )

    def clean_date_order(self) -> str:
        return self.cleaned_data["date_order"] or "auto"

    balance_rows = forms.BooleanField(
        required=False,
        help_text="Import the statement's deposit, withdrawal and credit rows as balance "
        "operations (pending a second person's approval)",
    )

    def clean_account(self) -> TradingAccount | None:
        login = self.cleaned_data["account"].strip()
        if not login:
            return None
        account = account_named(login)
        if account is None:
            raise forms.ValidationError(f"No account with login or alias {login}.")
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
    # The stored upload is internal (never served, deleted after the import): not shown.
    exclude = ("upload",)
    readonly_fields = [f.name for f in ImportBatch._meta.fields if f.name != "upload"]
    change_list_template = "admin/evaluations/importbatch/change_list.html"

    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        progress = self.admin_site.admin_view(self.progress_view)
        return [
            path("upload/", upload, name="evaluations_importbatch_upload"),
            path("<int:batch_id>/progress/", progress, name="evaluations_importbatch_progress"),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        if not request.user.has_perm(UPLOAD_PERMISSION):
            raise PermissionDenied
        form = TradeUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            batch = queue_upload(
                form.cleaned_data["file"],
                fmt=form.cleaned_data["format"],
                account=form.cleaned_data["account"],
                broker_tz=form.cleaned_data["broker_tz"],
                partial=form.cleaned_data["partial"],
                user=request.user,
                date_order=form.cleaned_data["date_order"],
                skip_other_accounts=form.cleaned_data["skip_other_accounts"],
                balance_rows=form.cleaned_data["balance_rows"],
            )
            return redirect("admin:evaluations_importbatch_progress", batch_id=batch.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload trades",
            "opts": self.model._meta,
            "form": form,
            "max_bytes": settings.IMPORT_MAX_UPLOAD_BYTES,
        }
        return TemplateResponse(request, "admin/evaluations/importbatch/upload.html", context)

    def progress_view(self, request, batch_id: int):
        """The upload's result page: its state while it waits or runs, then the report. An htmx
        poll gets the panel alone (`_progress.html`)."""
        if not request.user.has_perm(UPLOAD_PERMISSION):
            raise PermissionDenied
        batch = get_object_or_404(
            ImportBatch.objects.select_related("account", "created_by"), pk=batch_id
        )
        context = {
            "batch": batch,
            "report": report_text(batch) if batch.finished else "",
            "account_lines": account_lines(batch) if batch.finished else [],
            "progress_url": request.path,
            "poll_seconds": POLL_SECONDS,
            "batch_url": reverse("admin:evaluations_importbatch_change", args=[batch.pk]),
        }
        if request.htmx:
            return TemplateResponse(
                request, "admin/evaluations/importbatch/_progress.html", context
            )
        context |= {
            **self.admin_site.each_context(request),
            "title": f"Import #{batch.pk}",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/evaluations/importbatch/progress.html", context)
