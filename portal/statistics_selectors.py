"""Read paths of the statistics page: the trades grouped in the database, the outcome of each
trade in close order, and the stored per-day metrics (the engine's `DailyMetrics`)."""

from __future__ import annotations

from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Extract, Sign

from evaluations.models import Trade, TradingAccount
from portal.statistics import TradeGroup
from risk.models import DailyMetrics

_ZERO = Value(0, output_field=DecimalField(max_digits=18, decimal_places=2))


def trade_groups(account: TradingAccount) -> list[TradeGroup]:
    """The account's trades grouped by (symbol, side), aggregated in one query."""
    rows = (
        Trade.objects.filter(account=account)
        .values("symbol", "side")
        .annotate(
            trades=Count("id"),
            wins=Count("id", filter=Q(net__gt=0)),
            losses=Count("id", filter=Q(net__lt=0)),
            lots=Sum("volume"),
            total_net=Sum("net"),
            gross_profit=Coalesce(Sum("net", filter=Q(net__gt=0)), _ZERO),
            gross_loss=Coalesce(Sum("net", filter=Q(net__lt=0)), _ZERO),
            holding=Sum(Extract(F("close_time") - F("open_time"), "epoch")),
        )
        .order_by("symbol", "side")
    )
    return [
        TradeGroup(
            symbol=row["symbol"],
            side=row["side"],
            trades=row["trades"],
            wins=row["wins"],
            losses=row["losses"],
            lots=row["lots"],
            net=row["total_net"],
            gross_profit=row["gross_profit"],
            gross_loss=-row["gross_loss"],
            holding_seconds=int(row["holding"] or 0),
        )
        for row in rows
    ]


def trade_outcomes(account: TradingAccount) -> list[int]:
    """The sign of each trade's net (1, -1, 0) in close order: one small integer per trade."""
    return [
        int(sign)
        for sign in Trade.objects.filter(account=account)
        .order_by("close_time", "id")
        .annotate(outcome=Sign("net"))
        .values_list("outcome", flat=True)
    ]


def trading_days(account: TradingAccount) -> list[DailyMetrics]:
    """The stored days on which the account traded (a trade opened or closed), oldest first."""
    return list(
        DailyMetrics.objects.filter(account=account)
        .filter(Q(trades_opened__gt=0) | Q(trades_closed__gt=0))
        .order_by("day")
    )
