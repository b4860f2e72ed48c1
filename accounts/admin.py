"""Admin for people: users (email login), trader profiles, the read-only audit log; plus the
shared history admin base."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from accounts import services
from accounts.models import (
    AuditEvent,
    KycStatus,
    LoginRecord,
    RoleGrantRequest,
    RoleGrantStatus,
    TraderProfile,
    User,
)
from accounts.view_as import may_view_as

# Privileges change only through accounts.services.change_privileges (four-eyes, audited).
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups")


def decide_each(
    model_admin, request, queryset, noun: str, done: str, decide, refusals=(PermissionDenied,)
) -> None:
    """An admin action's loop: `decide(pk, by=user)` for each selected row (in pk order),
    each refusal reported beside its row, and one success message for the rest."""
    succeeded = 0
    for pk in queryset.order_by("pk").values_list("pk", flat=True):
        try:
            decide(pk, by=request.user)
        except refusals as exc:
            model_admin.message_user(request, f"{noun} #{pk}: {exc}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        model_admin.message_user(
            request, f"{succeeded} {noun.lower()}(s) {done}.", messages.SUCCESS
        )


class ReadOnlyAdminMixin:
    """Rows people read but never add, edit or delete here: a service or the engine writes
    them (the change page stays a read-only view for those who may view)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AuditedAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose history pages are for reading only: no "revert" from history.

    The audit trail records what happened; changes go through the normal change form (or an
    action calling a service), never by posting an old version back.
    """

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied("history is read-only")
        return super().history_form_view(request, object_id, version_id, extra_context)


class EmailUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("A user with this email address already exists.")
        return email


class EmailUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


# Where a trader is paid is read-only here for everyone: it changes only through
# payouts.payee (the trader, confirmed by email, or staff with a second person's approval).
PAYEE_FIELDS = ("payout_method", "payout_details")


class TraderProfileInline(admin.StackedInline):
    model = TraderProfile
    can_delete = False
    extra = 0
    max_num = 1
    # KYC decisions go through the profile admin's actions (they stamp kyc_verified_at).
    readonly_fields = ("kyc_status", "kyc_verified_at", *PAYEE_FIELDS, "created_at")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    inlines = [TraderProfileInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "first_name", "last_name", "is_staff", "role_names")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups", "trader_profile__kyc_status")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    # Permissions come from roles (groups): a user permission granted one by one would bypass
    # the role review, so the field is shown but never edited here.
    readonly_fields = ("last_login", "date_joined", "user_permissions")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Offer "View as trader" to support and risk on a trader's page (view_as.py)."""
        user = self.get_object(request, object_id)
        can_view_as = user is not None and may_view_as(hijacker=request.user, hijacked=user)
        extra_context = {**(extra_context or {}), "can_view_as": can_view_as}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            # Nobody edits their own roles or privileges.
            fields += PRIVILEGE_FIELDS
        return fields

    def save_model(self, request, obj, form, change):
        if change and "is_superuser" in form.fields:
            # The flags go through the service in save_related; keep the stored ones here.
            stored = User.objects.get(pk=obj.pk)
            request._wanted_flags = {"is_staff": obj.is_staff, "is_superuser": obj.is_superuser}
            obj.is_staff, obj.is_superuser = stored.is_staff, stored.is_superuser
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        wanted_groups = form.cleaned_data.pop("groups", None)
        super().save_related(request, form, formsets, change)
        flags = getattr(request, "_wanted_flags", None)
        if wanted_groups is None or flags is None:
            return
        grants = services.change_privileges(
            form.instance,
            by=request.user,
            groups=[group.name for group in wanted_groups],
            **flags,
        )
        for grant in grants:
            self.message_user(
                request,
                f"Giving {grant.user.email} the {grant.role} role waits for a second admin's "
                "approval (Role grant requests).",
                messages.WARNING,
            )

    @admin.display(description="groups")
    def role_names(self, obj: User) -> str:
        return ", ".join(sorted(group.name for group in obj.groups.all()))

    def get_inlines(self, request, obj):
        # Staff members have no trader profile; adding one happens from the profile admin.
        return self.inlines if obj is not None else []

    def save_formset(self, request, form, formset, change):
        for profile in formset.save(commit=False):
            services.save_trader_profile(profile, by=request.user)


@admin.register(TraderProfile)
class TraderProfileAdmin(AuditedAdmin):
    list_display = ("user", "country", "kyc_status", "kyc_verified_at", "payout_method")
    list_filter = ("kyc_status", "country", "payout_method")
    list_select_related = ("user",)
    search_fields = ("user__email", "user__first_name", "user__last_name")
    raw_id_fields = ("user",)
    readonly_fields = ("kyc_status", "kyc_verified_at", *PAYEE_FIELDS, "created_at")
    actions = ["mark_kyc_verified", "mark_kyc_rejected"]

    def _set_kyc(self, request, queryset, status: str) -> None:
        for profile in queryset:
            services.set_kyc_status(profile, status, by=request.user)
        self.message_user(
            request, f"{queryset.count()} profile(s) marked {status}.", messages.SUCCESS
        )

    def save_model(self, request, obj, form, change):
        services.save_trader_profile(obj, by=request.user)

    @admin.action(description="Mark KYC verified", permissions=["change"])
    def mark_kyc_verified(self, request, queryset):
        self._set_kyc(request, queryset, KycStatus.VERIFIED)

    @admin.action(description="Mark KYC rejected", permissions=["change"])
    def mark_kyc_rejected(self, request, queryset):
        self._set_kyc(request, queryset, KycStatus.REJECTED)


@admin.register(RoleGrantRequest)
class RoleGrantRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Pending grants of finance, admins or superuser: a second admin approves or rejects them
    here (accounts.services); the user admin creates them."""

    list_display = ("user", "role", "status", "requested_by", "requested_at", "decided_by")
    list_filter = ("status", "role")
    list_select_related = ("user", "requested_by", "decided_by")
    search_fields = ("user__email", "requested_by__email")
    actions = ("approve_selected", "reject_selected")

    def has_decide_permission(self, request) -> bool:
        return services.may_decide_role_grants(request.user)

    @admin.action(description="Approve selected role grants", permissions=["decide"])
    def approve_selected(self, request, queryset):
        pending = queryset.filter(status=RoleGrantStatus.PENDING)
        decide_each(self, request, pending, "Request", "approved", services.approve_role_grant)

    @admin.action(description="Reject selected role grants", permissions=["decide"])
    def reject_selected(self, request, queryset):
        pending = queryset.filter(status=RoleGrantStatus.PENDING)
        decide_each(self, request, pending, "Request", "rejected", services.reject_role_grant)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log, for reading only: nobody adds, changes or deletes an event here,
    superusers and the admins role (which holds every accounts permission) included."""

    list_display = ("at", "action", "actor_email", "object_type", "object_id", "summary", "ip")
    list_filter = ("action", "object_type", ("at", admin.DateFieldListFilter))
    search_fields = ("actor_email", "object_id")
    date_hierarchy = "at"
    list_select_related = ("actor",)
    readonly_fields = [field.name for field in AuditEvent._meta.fields]
    raw_id_fields = ("actor",)


@admin.register(LoginRecord)
class LoginRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Sign-ins as the portal recorded them (address, browser, device id): what the abuse
    detectors compare across traders; searchable by the address or device a case names."""

    list_display = ("at", "user", "ip", "device_id", "user_agent")
    search_fields = ("user__email", "ip", "device_id")
    date_hierarchy = "at"
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    show_full_result_count = False
