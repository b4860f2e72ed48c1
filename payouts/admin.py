"""Payouts in the back office: read-only records, and actions that call `payouts.services`
(the same write paths as the finance queue)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone

from accounts.admin import AuditedAdmin, ReadOnlyAdminMixin, decide_each

from . import payee, services
from .forms import PayeeDestinationForm
from .models import (
    EXPORT_PERMISSION,
    PAY_PERMISSION,
    PayeeChange,
    PayoutRequest,
    PayoutStatus,
    PayoutTransition,
    is_finance_approver,
)


class PayoutActionForm(ActionForm):
    note = forms.CharField(
        required=False,
        max_length=1000,
        label="Reason / payment reference",
        help_text="Reject: the reason shown to the trader. Mark paid: the payment reference.",
    )


class PayoutTransitionInline(admin.TabularInline):
    model = PayoutTransition
    extra = 0
    can_delete = False
    fields = ("at", "action", "from_status", "to_status", "by", "note", "notified_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PayoutRequest)
class PayoutRequestAdmin(ReadOnlyAdminMixin, AuditedAdmin):
    """Records change only through the actions (services); never added, edited or deleted."""

    action_form = PayoutActionForm
    actions = ("approve_selected", "reject_selected", "mark_paid_selected", "export_paid_csv")
    inlines = (PayoutTransitionInline,)
    list_display = (
        "id",
        "account",
        "requested_by",
        "amount",
        "trader_share",
        "currency",
        "status",
        "requested_at",
        "approvals",
        "paid_at",
        "payment_reference",
    )
    list_filter = ("status", "currency", "requested_at", "paid_at")
    search_fields = ("account__login", "requested_by__email", "payment_reference")
    list_select_related = (
        "account",
        "account__program",
        "requested_by",
        "first_approved_by",
        "approved_by",
    )
    date_hierarchy = "requested_at"
    readonly_fields = tuple(
        f.name for f in PayoutRequest._meta.concrete_fields if f.name not in ("id",)
    )

    @admin.display(description="Approvals")
    def approvals(self, obj: PayoutRequest) -> str:
        approvers = (obj.first_approved_by, obj.approved_by)
        return ", ".join(str(u) for u in approvers if u is not None) or "—"

    def has_approve_permission(self, request) -> bool:
        return is_finance_approver(request.user)

    def has_pay_permission(self, request) -> bool:
        return is_finance_approver(request.user, PAY_PERMISSION)

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm(EXPORT_PERMISSION)

    def _each(self, request, queryset, action, done: str) -> None:
        decide_each(
            self,
            request,
            queryset,
            "Payout",
            done,
            lambda pk, by: action(pk),
            refusals=(services.PayoutError, PermissionDenied),
        )

    @admin.action(description="Approve selected requests", permissions=["approve"])
    def approve_selected(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda pk: services.approve_payout(pk, by=request.user),
            "approved (or first approval recorded)",
        )

    @admin.action(description="Reject selected requests (reason below)", permissions=["approve"])
    def reject_selected(self, request, queryset):
        reason = request.POST.get("note", "").strip()
        if not reason:
            self.message_user(request, "Type the reason for the trader first.", messages.ERROR)
            return
        self._each(
            request,
            queryset,
            lambda pk: services.reject_payout(pk, by=request.user, reason=reason),
            "rejected",
        )

    @admin.action(description="Mark selected paid (payment reference below)", permissions=["pay"])
    def mark_paid_selected(self, request, queryset):
        reference = request.POST.get("note", "").strip()
        if not reference:
            self.message_user(request, "Type the payment reference first.", messages.ERROR)
            return
        self._each(
            request,
            queryset,
            lambda pk: services.mark_payout_paid(pk, by=request.user, reference=reference),
            "marked paid",
        )

    @admin.action(description="Export selected paid requests as CSV", permissions=["export"])
    def export_paid_csv(self, request, queryset):
        payouts = (
            queryset.filter(status=PayoutStatus.PAID)
            .select_related("account", "account__trader", "account__trader__trader_profile")
            .order_by("paid_at", "pk")
        )
        body = services.export_paid_payouts_csv(payouts, by=request.user)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="payouts-paid-{stamp}.csv"'
        return response


@admin.register(PayoutTransition)
class PayoutTransitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("payout", "action", "from_status", "to_status", "by", "at", "notified_at")
    list_filter = ("action", "at")
    search_fields = ("payout__account__login", "by__email", "note")
    list_select_related = ("payout", "payout__account", "by")
    readonly_fields = (
        "payout",
        "action",
        "from_status",
        "to_status",
        "by",
        "at",
        "note",
        "notified_at",
    )


class StaffPayeeChangeForm(forms.ModelForm):
    """A staff member proposes where a trader is paid (validated like the trader's own form);
    it takes effect once a second person approves it."""

    method = PayeeDestinationForm.base_fields["method"]
    account_holder = PayeeDestinationForm.base_fields["account_holder"]
    destination = PayeeDestinationForm.base_fields["destination"]

    class Meta:
        model = PayeeChange
        fields = ("trader",)

    def clean(self):
        data = super().clean()
        check = PayeeDestinationForm(self.data)
        if not check.is_valid():
            for field, errors in check.errors.items():
                for error in errors:
                    self.add_error(None if field == "__all__" else field, error)
            return data
        data["method"] = check.cleaned_data["method"]
        data["details"] = check.cleaned_data["details"]
        trader = data.get("trader")
        if trader is not None and not hasattr(trader, "trader_profile"):
            self.add_error("trader", "This user has no trader profile.")
        return data


@admin.register(PayeeChange)
class PayeeChangeAdmin(admin.ModelAdmin):
    """Changes of where traders are paid. Adding here proposes a staff change (a service
    call); a second, different person approves it with the action. Nothing is edited."""

    form = StaffPayeeChangeForm
    actions = ("approve_selected_changes",)
    list_display = (
        "id",
        "trader",
        "source",
        "status",
        "payout_method",
        "payout_details",
        "requested_by",
        "requested_at",
        "applied_by",
        "applied_at",
    )
    list_filter = ("status", "source", "payout_method")
    list_select_related = ("trader", "requested_by", "applied_by")
    search_fields = ("trader__email",)
    raw_id_fields = ("trader",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("trader", "method", "account_holder", "destination")
        return [field.name for field in PayeeChange._meta.fields]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else [field.name for field in PayeeChange._meta.fields]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm(payee.APPROVE_PAYEE_PERMISSION)

    def save_model(self, request, obj, form, change):
        created = payee.request_staff_change(
            form.cleaned_data["trader"],
            method=form.cleaned_data["method"],
            details=form.cleaned_data["details"],
            by=request.user,
        )
        obj.pk = created.pk  # the admin's "added" message and redirect name the real row

    def save_related(self, request, form, formsets, change):
        pass

    def log_addition(self, request, obj, message):
        pass  # audited by the service

    def _approve_one(self, request, change: PayeeChange) -> bool:
        """Approve through the service; a refusal is shown, not raised."""
        try:
            payee.approve_staff_change(change, by=request.user)
        except (payee.PayeeError, PermissionDenied) as exc:
            self.message_user(request, f"Payee change #{change.pk}: {exc}", messages.ERROR)
            return False
        return True

    @admin.action(description="Approve selected staff changes", permissions=["approve"])
    def approve_selected_changes(self, request, queryset):
        approved = sum(self._approve_one(request, change) for change in queryset.order_by("pk"))
        if approved:
            self.message_user(request, f"{approved} change(s) approved.", messages.SUCCESS)
