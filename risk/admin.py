"""Admin for the risk desk: review violations, read metrics, keep the economic calendar."""

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from accounts.admin import ReadOnlyAdminMixin
from evaluations.models import Trade
from risk.models import (
    AccountMetrics,
    DailyMetrics,
    EconomicEvent,
    EvaluationFailure,
    Violation,
)
from risk.services.money import format_measure
from risk.services.violations import (
    acknowledge_violation,
    describe_details,
    dismiss_violation,
)


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Derived rows: the risk engine writes them, people only read."""


@admin.register(Violation)
class ViolationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read only but for the review actions (acknowledge, dismiss), which call services."""

    list_display = [
        "account_login",
        "trader",
        "rule_code",
        "severity",
        "time",
        "threshold_display",
        "observed_display",
        "status",
        "notified",
    ]
    list_filter = ["status", "severity", "rule_code", "failed_account", "account__program"]
    search_fields = ["account__login", "account__trader__email"]
    date_hierarchy = "time"
    list_select_related = ["account__trader"]
    actions = ["acknowledge", "dismiss"]
    readonly_fields = [
        "account",
        "rule_code",
        "severity",
        "key",
        "threshold_display",
        "observed_display",
        "time",
        "day",
        "message",
        "evidence_display",
        "rule_set",
        "rule",
        "failed_account",
        "status",
        "reviewed_by",
        "reviewed_at",
        "created_at",
        "notified_at",
        "trader_notified_at",
    ]
    exclude = ["threshold", "observed", "unit", "evidence"]

    @admin.display(description="account", ordering="account__login")
    def account_login(self, obj):
        return obj.account.login

    @admin.display(description="trader", ordering="account__trader__email")
    def trader(self, obj):
        return obj.account.trader.email

    @admin.display(description="threshold")
    def threshold_display(self, obj):
        return format_measure(obj.threshold, obj.unit, obj.account.currency)

    @admin.display(description="observed")
    def observed_display(self, obj):
        return format_measure(obj.observed, obj.unit, obj.account.currency)

    @admin.display(description="notified", boolean=True)
    def notified(self, obj):
        return obj.notified_at is not None

    @admin.display(description="evidence")
    def evidence_display(self, obj):
        evidence = obj.evidence or {}
        trade_ids = evidence.get("trade_ids") or []
        trades = Trade.objects.filter(pk__in=trade_ids[:100]).order_by("open_time", "pk")
        rows = format_html_join(
            "",
            "<tr><td>#{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (t.ticket, t.side, t.volume, t.symbol, t.open_time, t.close_time, t.net)
                for t in trades
            ),
        )
        described = describe_details(evidence.get("details") or {}, obj.account.currency)
        details = format_html_join("", "<li>{}: {}</li>", described)
        snapshot = evidence.get("snapshot_id")
        return format_html(
            "<table><tr><th>ticket</th><th>side</th><th>volume</th><th>symbol</th>"
            "<th>opened (UTC)</th><th>closed (UTC)</th><th>net</th></tr>{}</table>"
            "<ul>{}</ul>{}",
            rows,
            details,
            format_html("<p>Equity snapshot #{}</p>", snapshot) if snapshot else "",
        )

    def _review(self, request, queryset, service, verb):
        if not request.user.has_perm("risk.change_violation"):
            self.message_user(request, "You may not review violations.", messages.ERROR)
            return
        for violation in queryset:
            service(violation, by=request.user)
        self.message_user(request, f"{queryset.count()} violation(s) {verb}.")

    @admin.action(description="Acknowledge selected violations")
    def acknowledge(self, request, queryset):
        self._review(request, queryset, acknowledge_violation, "acknowledged")

    @admin.action(description="Dismiss selected violations (they no longer fail the account)")
    def dismiss(self, request, queryset):
        self._review(request, queryset, dismiss_violation, "dismissed")


@admin.register(AccountMetrics)
class AccountMetricsAdmin(ReadOnlyAdmin):
    list_display = [
        "account",
        "basis",
        "balance",
        "equity",
        "net_profit",
        "max_drawdown",
        "trades",
        "trading_days",
        "objectives_met",
        "computed_at",
    ]
    list_filter = ["basis", "objectives_met"]
    search_fields = ["account__login", "account__trader__email"]
    list_select_related = ["account__program", "account__phase"]


@admin.register(EvaluationFailure)
class EvaluationFailureAdmin(ReadOnlyAdmin):
    """Accounts the engine could not evaluate (risk.services.failures): fix their data, then
    recompute; the row is resolved by the next successful evaluation."""

    list_display = [
        "account",
        "error_type",
        "message",
        "first_failed_at",
        "last_failed_at",
        "attempts",
        "alerted_at",
        "resolved_at",
    ]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter), "error_type"]
    search_fields = ["account__login", "message"]
    list_select_related = ["account"]


@admin.register(DailyMetrics)
class DailyMetricsAdmin(ReadOnlyAdmin):
    list_display = [
        "account",
        "day",
        "start_balance",
        "end_balance",
        "min_equity",
        "daily_floor",
        "net",
        "trades_closed",
    ]
    search_fields = ["account__login"]
    date_hierarchy = "day"
    list_select_related = ["account__program", "account__phase"]


@admin.register(EconomicEvent)
class EconomicEventAdmin(admin.ModelAdmin):
    list_display = ["time", "currency", "impact", "title"]
    list_filter = ["impact", "currency"]
    search_fields = ["title", "currency"]
    date_hierarchy = "time"
