"""Admin for programs, phases, rule sets, accounts, trades.

Thin: every write (form save, delete, inline rows, action) calls a service in
`evaluations.services`, which checks, writes, audits and queues what follows (a recompute).
"""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from accounts.admin import AuditedAdmin, ReadOnlyAdminMixin, decide_each
from evaluations.models import (
    APPROVE_BALANCE_OPERATION_PERMISSION,
    AccountAlias,
    BalanceOperation,
    Bridge,
    Certificate,
    CommandStatus,
    EquitySnapshot,
    Phase,
    PlatformCommand,
    Program,
    Rule,
    RuleSet,
    Trade,
    TradingAccount,
)
from evaluations.program_spec import PHASE_FIELDS
from evaluations.services import accounts as account_services
from evaluations.services import aliases as alias_services
from evaluations.services import balance as balance_services
from evaluations.services import commands as command_services
from evaluations.services import programs as program_services
from evaluations.services import trades as trade_services


def _change_link(obj, text=None) -> str:
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text or obj)


class DeleteThroughService:
    """Deletes (the change page's and the "delete selected" action's) call the admin's
    `delete_service(obj, by=user)`, which checks, audits and deletes."""

    delete_service: Callable[..., None]

    def delete_model(self, request, obj):
        type(self).delete_service(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


# Programs and phases ---------------------------------------------------------------------


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    show_change_link = True
    fields = ("order", *PHASE_FIELDS)


@admin.register(Program)
class ProgramAdmin(DeleteThroughService, AuditedAdmin):
    list_display = (
        "name",
        "slug",
        "account_size",
        "currency",
        "price",
        "platform",
        "is_active",
        "bridge",
        "phase_count",
    )
    list_filter = ("is_active", "platform", "currency", "bridge")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)
    inlines = [PhaseInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_phase_count=Count("phases"))

    @admin.display(description="phases", ordering="_phase_count")
    def phase_count(self, obj) -> int:
        return obj._phase_count

    def save_model(self, request, obj, form, change):
        program_services.save_program(obj, by=request.user)

    def save_formset(self, request, form, formset, change):
        for phase in formset.save(commit=False):
            program_services.save_phase(phase, by=request.user)
        for phase in formset.deleted_objects:
            program_services.delete_phase(phase, by=request.user)

    delete_service = program_services.delete_program


@admin.register(Phase)
class PhaseAdmin(DeleteThroughService, AuditedAdmin):
    list_display = (
        "name",
        "program",
        "order",
        "kind",
        "reset_tz",
        "reset_hour",
        "profit_split",
        "auto_advance",
        "current_rules",
    )
    list_filter = ("kind", "program")
    list_select_related = ("program",)
    search_fields = ("name", "program__name")
    readonly_fields = ("rule_set_versions",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("rule_sets")

    def save_model(self, request, obj, form, change):
        program_services.save_phase(obj, by=request.user)

    delete_service = program_services.delete_phase

    @staticmethod
    def _latest(obj: Phase) -> RuleSet | None:
        return max(obj.rule_sets.all(), key=lambda rs: rs.version, default=None)

    @admin.display(description="current rules")
    def current_rules(self, obj: Phase) -> str:
        latest = self._latest(obj)
        return _change_link(latest, f"v{latest.version}") if latest else "—"

    @admin.display(description="rule set versions (newest first)")
    def rule_set_versions(self, obj: Phase) -> str:
        versions = obj.rule_sets.annotate(n_accounts=Count("accounts")).order_by("-version")
        if not versions:
            return "none yet"
        return format_html_join(
            ", ",
            '<a href="{}">v{}</a> ({} accounts)',
            (
                (
                    reverse("admin:evaluations_ruleset_change", args=[rs.pk]),
                    rs.version,
                    rs.n_accounts,
                )
                for rs in versions
            ),
        )


# Rule sets and rules ---------------------------------------------------------------------


class RuleForm(forms.ModelForm):
    """Shows the `params.<name>` errors of rule_types.validate_params on the params field."""

    class Meta:
        model = Rule
        fields = ("rule_set", "code", "severity", "params", "enforcement")

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            remapped: dict[str, list[str]] = {}
            for key, error_list in errors.error_dict.items():
                target = "params" if key.startswith("params.") else key
                if target != NON_FIELD_ERRORS and target not in self.fields:
                    target = NON_FIELD_ERRORS
                for error in error_list:
                    for message in error.messages:
                        text = f"{key}: {message}" if target != key else message
                        remapped.setdefault(target, []).append(text)
            errors = ValidationError(remapped)
        super()._update_errors(errors)


def _in_use(rule_set: RuleSet | None) -> bool:
    return rule_set is not None and rule_set.pk is not None and rule_set.accounts.exists()


class RuleInline(admin.TabularInline):
    model = Rule
    form = RuleForm
    fields = ("code", "severity", "params", "enforcement")
    extra = 0

    def has_add_permission(self, request, obj=None):
        return not _in_use(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _in_use(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _in_use(obj) and super().has_delete_permission(request, obj)


@admin.register(RuleSet)
class RuleSetAdmin(DeleteThroughService, AuditedAdmin):
    """A version that accounts use is read-only: copy it as a new version to change rules."""

    list_display = ("__str__", "version", "rule_count", "account_count", "created_at", "note")
    list_filter = ("phase__program",)
    list_select_related = ("phase", "phase__program")
    search_fields = ("phase__name", "phase__program__name", "note")
    inlines = [RuleInline]
    actions = ["copy_as_new_version"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _rule_count=Count("rules", distinct=True),
                _account_count=Count("accounts", distinct=True),
            )
        )

    @admin.display(description="rules", ordering="_rule_count")
    def rule_count(self, obj) -> int:
        return obj._rule_count

    @admin.display(description="accounts", ordering="_account_count")
    def account_count(self, obj) -> int:
        return obj._account_count

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("version", "created_at", "created_by")
        return ("phase", "version", "created_at", "created_by")

    def has_change_permission(self, request, obj=None):
        return not _in_use(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _in_use(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        pass  # saved with its inline rules, as one change, in save_related

    def save_related(self, request, form, formsets, change):
        rules, deleted = [], []
        for formset in formsets:
            rules.extend(formset.save(commit=False))
            deleted.extend(formset.deleted_objects)
        program_services.save_rule_set(
            form.instance, by=request.user, rules=rules, deleted_rules=deleted
        )

    delete_service = program_services.delete_rule_set

    @admin.action(description="Copy as new version", permissions=["add"])
    def copy_as_new_version(self, request, queryset):
        for rule_set in queryset.select_related("phase"):
            copy = program_services.copy_rule_set_as_new_version(rule_set, by=request.user)
            self.message_user(
                request,
                format_html("Created {} from v{}.", _change_link(copy), rule_set.version),
                messages.SUCCESS,
            )


@admin.register(Rule)
class RuleAdmin(DeleteThroughService, AuditedAdmin):
    form = RuleForm
    list_display = ("code", "severity", "enforcement", "params", "rule_set")
    list_filter = ("code", "severity", "enforcement")
    list_select_related = ("rule_set", "rule_set__phase", "rule_set__phase__program")
    search_fields = ("rule_set__phase__name", "rule_set__phase__program__name")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "rule_set":
            # Only versions no account uses can take new rules.
            kwargs["queryset"] = RuleSet.objects.filter(accounts__isnull=True).select_related(
                "phase", "phase__program"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        in_use = obj is not None and _in_use(obj.rule_set)
        return not in_use and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        in_use = obj is not None and _in_use(obj.rule_set)
        return not in_use and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        program_services.save_rule(obj, by=request.user)

    delete_service = program_services.delete_rule


# Trading accounts --------------------------------------------------------------------------


class OpenAccountForm(forms.ModelForm):
    """Add form: who and which program; the service picks phase, rules, balance and login."""

    class Meta:
        model = TradingAccount
        fields = ("trader", "program", "login", "broker_server")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].required = False
        self.fields["login"].help_text = "Leave empty to generate a free 8-digit login"

    def clean_login(self):
        login = self.cleaned_data.get("login", "").strip()
        if login and TradingAccount.objects.filter(login=login).exists():
            raise ValidationError("This login is already used by another account.")
        return login

    def clean_program(self):
        program = self.cleaned_data["program"]
        phase = program.first_phase
        if phase is None or phase.current_rule_set is None:
            raise ValidationError("This program has no first phase with rules yet.")
        return program

    def _post_clean(self):
        # The account is built by evaluations.services.accounts.open_account, not by this form.
        pass


ACCOUNT_READONLY = (
    "login",
    "trader",
    "program",
    "phase",
    "rule_set",
    "initial_balance",
    "currency",
    "status",
    "status_reason",
    "started_at",
    "ended_at",
    "previous_account",
    "following_account",
    "bridge",
    "platform_commands",
    "created_at",
)


class AccountAliasInline(admin.TabularInline):
    """The names platforms' files and bridges give this account (e.g. NinjaTrader's `Sim101`)."""

    model = AccountAlias
    extra = 0
    fields = ("name", "platform")


def platform_commands_table(account: TradingAccount) -> str:
    """What the platform was told about the account, newest first: kind, reason, the
    lifecycle's times and the bridge's result."""
    rows = account.platform_commands.order_by("-issued_at", "-id")[:50]
    if not rows:
        return "—"
    body = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td></tr>",
        (
            (
                _change_link(c, c.get_kind_display()),
                c.get_status_display(),
                c.reason,
                c.issued_at.strftime(TIME),
                c.delivered_at.strftime(TIME) if c.delivered_at else "—",
                c.done_at.strftime(TIME) if c.done_at else "—",
                c.attempts,
                c.result or "",
            )
            for c in rows
        ),
    )
    head = format_html_join("", "<th>{}</th>", ((h,) for h in COMMAND_COLUMNS))
    return format_html('<table class="platform-commands"><tr>{}</tr>{}</table>', head, body)


TIME = "%Y-%m-%d %H:%M:%S UTC"
COMMAND_COLUMNS = ("Command", "Status", "Reason", "Issued", "Delivered", "Done", "Tries", "Result")


@admin.register(TradingAccount)
class TradingAccountAdmin(AuditedAdmin):
    list_display = (
        "login",
        "trader_email",
        "program",
        "phase_name",
        "status",
        "started_at",
        "ended_at",
        "needs_review",
    )
    list_filter = ("status", "program", "phase", "needs_review")
    list_select_related = ("trader", "program", "phase")
    search_fields = ("login", "trader__email")
    raw_id_fields = ("trader",)
    actions = ["approve_next_phase", "close_accounts", "reinstate_accounts"]
    inlines = [AccountAliasInline]

    @admin.display(description="trader", ordering="trader__email")
    def trader_email(self, obj) -> str:
        return obj.trader.email

    @admin.display(description="phase", ordering="phase__order")
    def phase_name(self, obj) -> str:
        return obj.phase.name

    @admin.display(description="platform commands")
    def platform_commands(self, obj) -> str:
        return platform_commands_table(obj)

    @admin.display(description="next phase account")
    def following_account(self, obj) -> str:
        following = TradingAccount.objects.filter(previous_account=obj).first()
        return _change_link(following, following.login) if following else "—"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = OpenAccountForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return OpenAccountForm._meta.fields
        shown = ACCOUNT_READONLY
        if not request.user.has_perm("evaluations.view_platformcommand"):
            shown = tuple(f for f in shown if f != "platform_commands")
        return (*shown, "needs_review", "broker_server", "server_tz")

    def get_readonly_fields(self, request, obj=None):
        return ACCOUNT_READONLY if obj is not None else ()

    def save_form(self, request, form, change):
        if change:
            return super().save_form(request, form, change)
        data = form.cleaned_data
        return account_services.open_account(
            data["trader"],
            data["program"],
            login=data["login"] or None,
            broker_server=data.get("broker_server") or "",
            by=request.user,
        )

    def save_model(self, request, obj, form, change):
        if change:  # adds were saved by the service in save_form
            details = {name: getattr(obj, name) for name in account_services.DETAIL_FIELDS}
            account_services.update_account_details(obj, by=request.user, **details)

    def save_related(self, request, form, formsets, change):
        # the only related rows edited here are the aliases, each through its service
        for formset in formsets:
            for alias in formset.save(commit=False):
                alias_services.save_alias(alias, by=request.user)
            for alias in formset.deleted_objects:
                alias_services.delete_alias(alias, by=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are closed (an action), never deleted

    def has_approve_phase_advance_permission(self, request) -> bool:
        return request.user.has_perm("evaluations.approve_phase_advance")

    def has_reinstate_account_permission(self, request) -> bool:
        return request.user.has_perm("evaluations.reinstate_account")

    def _run(self, request, queryset, step, done: str) -> None:
        succeeded = 0
        for account in queryset:
            try:
                step(account)
                succeeded += 1
            except (account_services.AccountLifecycleError, PermissionDenied) as exc:
                self.message_user(request, f"{account.login}: {exc}", messages.WARNING)
        if succeeded:
            self.message_user(request, f"{succeeded} account(s) {done}.", messages.SUCCESS)

    @admin.action(
        description="Approve next phase (passed accounts waiting for approval)",
        permissions=["approve_phase_advance"],
    )
    def approve_next_phase(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda a: account_services.approve_phase_advance(a, by=request.user),
            "advanced to their next phase",
        )

    @admin.action(description="Close account", permissions=["change"])
    def close_accounts(self, request, queryset):
        reason = f"Closed by {request.user.email}"
        self._run(
            request,
            queryset,
            lambda a: account_services.close_account(a, by=request.user, reason=reason),
            "closed",
        )

    @admin.action(description="Reinstate failed account", permissions=["reinstate_account"])
    def reinstate_accounts(self, request, queryset):
        reason = f"Reinstated by {request.user.email}"
        self._run(
            request,
            queryset,
            lambda a: account_services.reinstate_account(a, by=request.user, reason=reason),
            "reinstated",
        )


# What the platforms report -----------------------------------------------------------------


class AccountRowAdmin(admin.ModelAdmin):
    """Rows that belong to one account: searchable by login, no per-row account queries."""

    list_select_related = ("account",)
    search_fields = ("account__login",)
    raw_id_fields = ("account",)
    show_full_result_count = False  # no COUNT(*) over millions of rows on every search
    list_per_page = 100

    @admin.display(description="account", ordering="account__login")
    def account_login(self, obj) -> str:
        return obj.account.login


@admin.register(Trade)
class TradeAdmin(DeleteThroughService, AccountRowAdmin):
    """Risk staff correct what a platform reported wrongly; each correction is audited and
    recomputes the account (evaluations.services.trades). Trades are added by imports only."""

    list_display = (
        "ticket",
        "account_login",
        "symbol",
        "side",
        "volume",
        "open_time",
        "close_time",
        "profit",
        "net",
    )
    list_filter = ("side",)
    search_fields = ("account__login", "ticket", "symbol")
    readonly_fields = ("account", "net", "import_batch")

    def has_add_permission(self, request):
        return False  # trades enter through the import service (upload page, bridge API)

    def save_model(self, request, obj, form, change):
        trade_services.correct_trade(obj, by=request.user)

    delete_service = trade_services.delete_trade


@admin.register(EquitySnapshot)
class EquitySnapshotAdmin(ReadOnlyAdminMixin, AccountRowAdmin):
    """Read only: snapshots come from the platform bridge through the import service, which
    audits each batch and recomputes the accounts it changed."""

    list_display = ("account_login", "time", "balance", "equity")
    readonly_fields = ("import_batch",)


@admin.register(AccountAlias)
class AccountAliasAdmin(ReadOnlyAdminMixin, AccountRowAdmin):
    """Which account a platform's name means, searchable by either name. Aliases are edited on
    their account's page (an inline saved through the alias service, which audits them)."""

    list_display = ("name", "account_login", "platform")
    search_fields = ("name", "account__login")


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdminMixin, AccountRowAdmin):
    """Certificates the pass and payment services issued; support checks one a trader shares
    (its public id is in the verification URL)."""

    list_display = ("public_id", "kind", "account_login", "trader_name", "amount", "issued_on")
    list_filter = ("kind",)
    search_fields = ("public_id", "account__login", "trader_name")


@admin.register(BalanceOperation)
class BalanceOperationAdmin(AuditedAdmin, AccountRowAdmin):
    list_display = (
        "account_login",
        "kind",
        "amount",
        "time",
        "reason",
        "reference",
        "status",
        "created_by",
        "decided_by",
    )
    list_filter = ("status", "kind")
    list_select_related = ("account", "created_by", "decided_by")
    search_fields = ("account__login", "reference", "reason")
    readonly_fields = ("status", "created_by", "created_at", "decided_by", "decided_at")
    actions = ("approve_selected", "reject_selected")

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm(APPROVE_BALANCE_OPERATION_PERMISSION)

    @admin.action(description="Approve selected pending operations", permissions=["decide"])
    def approve_selected(self, request, queryset):
        decide_each(
            self,
            request,
            queryset,
            "Operation",
            "approved",
            balance_services.approve_balance_operation,
        )

    @admin.action(description="Reject selected pending operations", permissions=["decide"])
    def reject_selected(self, request, queryset):
        decide_each(
            self,
            request,
            queryset,
            "Operation",
            "rejected",
            balance_services.reject_balance_operation,
        )

    # The ledger is append-only: a wrong operation is corrected by adding an opposite one.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_form(self, request, form, change):
        data = form.cleaned_data
        return balance_services.add_balance_operation(
            data["account"],
            kind=data["kind"],
            amount=data["amount"],
            reason=data["reason"],
            time=data.get("time"),
            reference=data.get("reference") or "",
            by=request.user,
        )

    def save_model(self, request, obj, form, change):
        pass  # saved by the service in save_form

    def save_related(self, request, form, formsets, change):
        pass


# Platform bridges and their commands -------------------------------------------------------


@admin.register(Bridge)
class BridgeAdmin(admin.ModelAdmin):
    """Bridges are created with their API user and token by `manage.py create_bridge`; here
    staff rename, label or deactivate one (an inactive bridge's polls get 403)."""

    list_display = ("name", "platform", "active", "user", "account_count", "created_at")
    list_filter = ("active", "platform")
    search_fields = ("name", "user__email")
    fields = ("name", "platform", "active", "user", "account_count", "created_at")
    readonly_fields = ("user", "account_count", "created_at")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .annotate(_accounts=Count("accounts"))
        )

    @admin.display(description="accounts", ordering="_accounts")
    def account_count(self, obj) -> int:
        return obj._accounts

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # its commands keep it (PROTECT); deactivate it instead


@admin.register(PlatformCommand)
class PlatformCommandAdmin(ReadOnlyAdminMixin, AccountRowAdmin):
    """The outbox to the bridges, read-only; a failed command can be issued again."""

    list_display = (
        "id",
        "kind",
        "account_login",
        "bridge",
        "status",
        "issued_at",
        "delivered_at",
        "done_at",
        "attempts",
    )
    list_filter = ("status", "kind", "bridge")
    list_select_related = ("account", "bridge")
    search_fields = ("account__login", "key")
    date_hierarchy = "issued_at"
    actions = ["issue_again"]

    def has_reissue_permission(self, request) -> bool:
        return request.user.has_perm("evaluations.change_platformcommand")

    @admin.action(description="Issue again (failed commands)", permissions=["reissue"])
    def issue_again(self, request, queryset):
        issued = 0
        for command in queryset.select_related("account__program", "account__bridge"):
            if command.status != CommandStatus.FAILED:
                self.message_user(
                    request,
                    f"command {command.pk} is {command.status}, not failed",
                    messages.WARNING,
                )
                continue
            if command_services.issue_again(command, by=request.user) is not None:
                issued += 1
        if issued:
            self.message_user(request, f"{issued} command(s) issued again.", messages.SUCCESS)
