"""Every table of the staff area, declared once: its columns, its rows, who may see it.

A page renders a table with a row limit; its CSV export (`reports.exports`) streams the same
rows without the limit, so what staff download is what they saw, complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import selectors
from .models import VIEW_FUNNEL, VIEW_LEADERBOARD, VIEW_MONEY, VIEW_RISK_MONITOR
from .selectors import ReportFilter


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text, int, money, percent, lots, days, date, datetime, month, trader


@dataclass(frozen=True)
class Table:
    slug: str
    title: str
    permission: str
    columns: tuple[Column, ...]
    fetch: Callable[[ReportFilter, int | None, int | None], Iterable[dict]]
    limit: int | None = None  # rows shown on the page; the CSV has them all
    per_trader: bool = False  # rows of one trader (the trader detail page)

    def rows(self, flt: ReportFilter, *, limit: int | None = None, trader_id: int | None = None):
        return self.fetch(flt, limit, trader_id)


def _cols(*spec: tuple[str, str] | tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*item) for item in spec)


TABLES: dict[str, Table] = {
    table.slug: table
    for table in (
        Table(
            "closest-to-limits",
            "Closest to their loss limits",
            VIEW_RISK_MONITOR,
            _cols(
                ("login", "Account"),
                ("trader_email", "Trader"),
                ("program_name", "Program"),
                ("phase_name", "Phase"),
                ("equity", "Equity", "money"),
                ("room_daily", "Room to daily limit", "money"),
                ("room_daily_pct", "Daily room % of B0", "percent"),
                ("room_total", "Room to total limit", "money"),
                ("room_total_pct", "Total room % of B0", "percent"),
                ("currency", "Currency"),
            ),
            lambda flt, limit, _: selectors.closest_to_limits(flt, limit),
            limit=20,
        ),
        Table(
            "violations-by-rule",
            "Violations by rule",
            VIEW_RISK_MONITOR,
            _cols(
                ("rule_code", "Rule"),
                ("severity", "Severity"),
                ("violations", "Violations", "int"),
                ("accounts", "Accounts", "int"),
                ("failed_accounts", "Failed accounts", "int"),
            ),
            lambda flt, limit, _: selectors.violations_by_rule(flt),
        ),
        Table(
            "accounts-by-status",
            "Accounts by status",
            VIEW_RISK_MONITOR,
            _cols(("status", "Status"), ("accounts", "Accounts", "int")),
            lambda flt, limit, _: selectors.accounts_by_status(flt),
        ),
        Table(
            "open-exposure",
            "Open exposure by symbol (at the latest snapshots)",
            VIEW_RISK_MONITOR,
            _cols(
                ("symbol", "Symbol"),
                ("net_lots", "Net lots (buy − sell)", "lots"),
                ("gross_lots", "Gross lots", "lots"),
                ("positions", "Positions", "int"),
                ("accounts", "Accounts", "int"),
            ),
            lambda flt, limit, _: selectors.open_exposure_by_symbol(flt),
        ),
        Table(
            "funnel",
            "Funnel per program and month",
            VIEW_FUNNEL,
            _cols(
                ("program_name", "Program"),
                ("month", "Started in", "month"),
                ("started", "Started", "int"),
                ("passed_1", "Passed phase 1", "int"),
                ("pass_rate_1", "Phase 1 pass rate", "percent"),
                ("passed_2", "Passed phase 2", "int"),
                ("pass_rate_2", "Phase 2 pass rate", "percent"),
                ("funded", "Funded", "int"),
                ("funded_rate", "Started → funded", "percent"),
                ("paid_out", "Paid out", "int"),
            ),
            lambda flt, limit, _: selectors.program_funnel(flt),
        ),
        Table(
            "failing-rules",
            "Rules that failed accounts",
            VIEW_FUNNEL,
            _cols(
                ("rule_code", "Rule"),
                ("program_name", "Program"),
                ("traders", "Traders", "int"),
                ("accounts", "Accounts", "int"),
            ),
            lambda flt, limit, _: selectors.failing_rules(flt),
        ),
        Table(
            "days-to-pass",
            "Average days to pass",
            VIEW_FUNNEL,
            _cols(
                ("program_name", "Program"),
                ("phase_name", "Phase"),
                ("passed", "Passed", "int"),
                ("average_days", "Average days", "days"),
            ),
            lambda flt, limit, _: selectors.days_to_pass(flt),
        ),
        Table(
            "fees-and-payouts",
            "Fees collected and payouts paid by month",
            VIEW_MONEY,
            _cols(
                ("month", "Month", "month"),
                ("currency", "Currency"),
                ("accounts_sold", "Accounts sold", "int"),
                ("fees", "Fees collected", "money"),
                ("payouts", "Payouts paid", "int"),
                ("paid", "Paid to traders", "money"),
                ("net", "Fees − payouts", "money"),
            ),
            lambda flt, limit, _: selectors.fees_and_payouts_by_month(flt),
        ),
        Table(
            "liability",
            "Payout liability per funded account",
            VIEW_MONEY,
            _cols(
                ("login", "Account"),
                ("trader_email", "Trader"),
                ("program_name", "Program"),
                ("profit", "Profit since last payout (balance − B0)", "money"),
                ("split", "Split %", "percent"),
                ("owed", "Owed to trader", "money"),
                ("currency", "Currency"),
            ),
            lambda flt, limit, _: (
                selectors.liability_accounts(flt)[:limit]
                if limit
                else selectors.liability_accounts(flt)
            ),
            limit=25,
        ),
        Table(
            "leaderboard",
            "Trader leaderboard",
            VIEW_LEADERBOARD,
            _cols(
                ("rank", "#", "int"),
                ("trader_email", "Trader", "trader"),
                ("net_pnl", "Net P&L", "money"),
                ("trades", "Trades", "int"),
                ("trading_days", "Trading days", "int"),
                ("win_rate", "Winning days", "percent"),
                ("lots_traded", "Lots", "lots"),
            ),
            lambda flt, limit, _: selectors.leaderboard(flt, limit),
            limit=50,
        ),
        Table(
            "trader-accounts",
            "Accounts",
            VIEW_LEADERBOARD,
            _cols(
                ("login", "Account"),
                ("program_name", "Program"),
                ("phase_name", "Phase"),
                ("status", "Status"),
                ("started_at", "Started", "datetime"),
                ("ended_at", "Ended", "datetime"),
                ("balance", "Balance", "money"),
                ("net_profit", "Net profit", "money"),
                ("trade_count", "Trades", "int"),
                ("violation_count", "Violations", "int"),
                ("paid_out", "Paid out", "money"),
                ("currency", "Currency"),
            ),
            lambda flt, limit, trader_id: selectors.trader_accounts(trader_id),
            per_trader=True,
        ),
        Table(
            "trader-violations",
            "Violations",
            VIEW_LEADERBOARD,
            _cols(
                ("time", "Time (UTC)", "datetime"),
                ("login", "Account"),
                ("rule_code", "Rule"),
                ("severity", "Severity"),
                ("status", "Review"),
                ("message", "What happened"),
            ),
            lambda flt, limit, trader_id: selectors.trader_violations(trader_id, limit),
            limit=100,
            per_trader=True,
        ),
        Table(
            "trader-payouts",
            "Payouts",
            VIEW_LEADERBOARD,
            _cols(
                ("id", "#", "int"),
                ("login", "Account"),
                ("status", "Status"),
                ("requested_at", "Requested", "datetime"),
                ("paid_at", "Paid", "datetime"),
                ("amount", "Profit withdrawn", "money"),
                ("trader_share", "Trader share", "money"),
                ("currency", "Currency"),
            ),
            lambda flt, limit, trader_id: selectors.trader_payouts(trader_id),
            per_trader=True,
        ),
    )
}
