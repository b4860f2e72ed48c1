"""What the daily report says about one UTC day: breaches, passes, payouts and the firm P&L.

Read-only (the sending and the once-per-day claim are in `reports.services`). Every figure is
an aggregate query; the detail rows (for the CSV attachment) are one query per kind.

Firm P&L of the day = fees collected (price of every first-phase account started that day)
− trader shares paid that day, per currency. Traders' closed net P&L (Σ net of trades closed
that day) is reported beside it: it is the traders' result on the firm's simulated capital,
not money that changed hands.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from evaluations.models import AccountStatus, PhaseKind, Trade, TradingAccount
from payouts.models import PayoutRequest, PayoutStatus
from risk.models import Violation

from .selectors import ReportFilter

ZERO = Decimal("0.00")


@dataclass
class CurrencyPnl:
    currency: str
    accounts_sold: int = 0
    fees: Decimal = ZERO
    payouts: int = 0
    paid: Decimal = ZERO
    traders_net: Decimal = ZERO

    @property
    def firm_pnl(self) -> Decimal:
        return self.fees - self.paid

    def as_dict(self) -> dict:
        return {
            "currency": self.currency,
            "accounts_sold": self.accounts_sold,
            "fees": str(self.fees),
            "payouts": self.payouts,
            "paid": str(self.paid),
            "firm_pnl": str(self.firm_pnl),
            "traders_net": str(self.traders_net),
        }


@dataclass
class DailySummary:
    day: dt.date
    breaches: int = 0
    hard_breaches: int = 0
    failed_accounts: int = 0
    breaches_by_rule: list[dict] = field(default_factory=list)
    passes: int = 0
    passes_by_program: list[dict] = field(default_factory=list)
    pnl: list[CurrencyPnl] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The key numbers as JSON-safe values (stored on the DailyReport row)."""
        return {
            "day": self.day.isoformat(),
            "breaches": self.breaches,
            "hard_breaches": self.hard_breaches,
            "failed_accounts": self.failed_accounts,
            "breaches_by_rule": self.breaches_by_rule,
            "passes": self.passes,
            "passes_by_program": self.passes_by_program,
            "pnl": [row.as_dict() for row in self.pnl],
        }


def _day_filter(day: dt.date) -> ReportFilter:
    return ReportFilter(start=day, end=day)


def _violations(flt: ReportFilter):
    return Violation.objects.filter(time__gte=flt.start_at, time__lt=flt.end_at)


def _passes(flt: ReportFilter):
    """Evaluation phases passed that day: the account ended then and is `passed` or has its
    next account already."""
    return TradingAccount.objects.filter(
        Q(status=AccountStatus.PASSED) | Q(next_account__isnull=False),
        phase__kind=PhaseKind.EVALUATION,
        ended_at__gte=flt.start_at,
        ended_at__lt=flt.end_at,
    )


def _paid(flt: ReportFilter):
    return PayoutRequest.objects.filter(
        status=PayoutStatus.PAID, paid_at__gte=flt.start_at, paid_at__lt=flt.end_at
    )


def daily_summary(day: dt.date) -> DailySummary:
    """The key numbers of one UTC day (5 aggregate queries + 1 for the rules)."""
    flt = _day_filter(day)
    summary = DailySummary(day=day)
    totals = _violations(flt).aggregate(
        breaches=Count("id"),
        hard=Count("id", filter=Q(severity="hard")),
        failed=Count("id", filter=Q(failed_account=True)),
    )
    summary.breaches, summary.hard_breaches = totals["breaches"], totals["hard"]
    summary.failed_accounts = totals["failed"]
    summary.breaches_by_rule = list(
        _violations(flt)
        .values("rule_code")
        .annotate(count=Count("id"))
        .order_by("-count", "rule_code")
    )
    summary.passes_by_program = list(
        _passes(flt)
        .values(program_name=F("program__name"))
        .annotate(count=Count("id", distinct=True))
        .order_by("program_name")
    )
    summary.passes = sum(row["count"] for row in summary.passes_by_program)

    pnl: dict[str, CurrencyPnl] = {}
    fees = (
        TradingAccount.objects.filter(
            phase__order=1, started_at__gte=flt.start_at, started_at__lt=flt.end_at
        )
        .values(currency_code=F("program__currency"))
        .annotate(sold=Count("id"), fees=Sum("program__price"))
        .order_by()
    )
    for row in fees:
        entry = pnl.setdefault(row["currency_code"], CurrencyPnl(row["currency_code"]))
        entry.accounts_sold, entry.fees = row["sold"], row["fees"]
    for row in (
        _paid(flt)
        .values("currency")
        .annotate(count=Count("id"), paid=Sum("trader_share"))
        .order_by()
    ):
        entry = pnl.setdefault(row["currency"], CurrencyPnl(row["currency"]))
        entry.payouts, entry.paid = row["count"], row["paid"]
    for row in (
        Trade.objects.filter(close_time__gte=flt.start_at, close_time__lt=flt.end_at)
        .values(currency_code=F("account__currency"))
        .annotate(net=Sum("net"))
        .order_by()
    ):
        entry = pnl.setdefault(row["currency_code"], CurrencyPnl(row["currency_code"]))
        entry.traders_net = row["net"]
    summary.pnl = sorted(pnl.values(), key=lambda entry: entry.currency)
    return summary


CSV_HEADER = ("kind", "time", "account", "trader", "program", "detail", "amount", "currency")


def daily_rows(day: dt.date):
    """Every breach, pass and payout of the day as rows of `CSV_HEADER` (three queries)."""
    flt = _day_filter(day)
    for v in (
        _violations(flt)
        .values(
            "time",
            "rule_code",
            "severity",
            "message",
            login=F("account__login"),
            trader_email=F("account__trader__email"),
            program_name=F("account__program__name"),
        )
        .order_by("time", "id")
    ):
        detail = f"{v['rule_code']} ({v['severity']}): {v['message']}"
        who = (v["login"], v["trader_email"], v["program_name"])
        yield ("breach", v["time"].isoformat(), *who, detail, "", "")
    for a in (
        _passes(flt)
        .values(
            "ended_at",
            "login",
            trader_email=F("trader__email"),
            program_name=F("program__name"),
            phase_name=F("phase__name"),
        )
        .order_by("ended_at", "login")
        .distinct()
    ):
        yield (
            "pass",
            a["ended_at"].isoformat(),
            a["login"],
            a["trader_email"],
            a["program_name"],
            f"passed {a['phase_name']}",
            "",
            "",
        )
    for p in (
        _paid(flt)
        .values(
            "paid_at",
            "trader_share",
            "currency",
            "payment_reference",
            login=F("account__login"),
            trader_email=F("account__trader__email"),
            program_name=F("account__program__name"),
        )
        .order_by("paid_at", "id")
    ):
        yield (
            "payout",
            p["paid_at"].isoformat(),
            p["login"],
            p["trader_email"],
            p["program_name"],
            f"paid, reference {p['payment_reference']}",
            str(p["trader_share"]),
            p["currency"],
        )
