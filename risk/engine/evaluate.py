"""The engine's entry point: one account in, its metrics, breaches and objectives out.

    evaluate(AccountIn) -> AccountResult

Pure and deterministic: the same account data gives the same result whatever the order of its
trades, snapshots and operations. Only the rules in the account's rule set run. Hedging is a
firm-wide scan (`risk.engine.rules.hedging.scan_hedging`), not part of one account's evaluation.
"""

from __future__ import annotations

from .daybook import build_day_book
from .metrics import (
    best_day_net,
    day_metrics,
    deepest_fall,
    drawdown_path,
    thinned_path,
    trade_stats,
)
from .rules.activity import inactivity, time_limit
from .rules.daily_loss import DailyLoss, day_references, max_daily_loss
from .rules.daily_pause import apply_pause, pauses
from .rules.exposure import max_open_volume, max_position_size
from .rules.news import news_trading
from .rules.objectives import (
    consistency,
    min_trading_days,
    profit_target,
    profit_target_amount,
    target_reached_ts,
)
from .rules.profitable_days import min_profitable_days
from .rules.total_loss import TotalLoss, max_total_loss
from .rules.trade_risk import all_in, max_loss_per_trade, stop_loss_required
from .rules.trading_style import lot_consistency, martingale, max_trades_per_day, min_holding_time
from .rules.weekend import weekend_holding
from .timeline import build_timeline
from .types import AccountIn, AccountResult, Breach, ObjectiveProgress

# The stored drawdown path for the portal chart: about 2 × this many points, whatever the history.
DRAWDOWN_SLICES = 200


def evaluate(account: AccountIn) -> AccountResult:
    """Evaluate one account: build its timeline and trading days, run each rule of its set,
    and compute its metrics as of `max(account.as_of_ts, last event)`.

    `first_hard_breach` is the earliest hard breach by (ts, key): the instant the account
    failed. Trades after that instant never move or remove it, because every rule decides a
    breach only from what happened up to it.
    """
    timeline = build_timeline(account)
    book = build_day_book(timeline, account.reset_tz, account.reset_hour)
    currency = account.currency
    breaches: list[Breach] = []
    objectives: list[ObjectiveProgress] = []
    daily: DailyLoss | None = None
    total: TotalLoss | None = None
    target_rule = next((r for r in account.rules if r.code == "profit_target"), None)
    all_in_rule = None

    for rule in account.rules:
        code = rule.code
        if code == "max_daily_loss":
            daily = max_daily_loss(timeline, book, rule, currency)
            if pauses(rule):
                breaches.extend(apply_pause(daily.breaches, timeline, book, rule, account.reset_tz))
            else:
                breaches.extend(daily.breaches)
        elif code == "max_total_loss":
            total = max_total_loss(timeline, book, rule, currency)
            breaches.extend(total.breaches)
        elif code == "profit_target":
            objectives.append(profit_target(timeline, rule, currency))
        elif code == "min_trading_days":
            objectives.append(min_trading_days(book, rule))
        elif code == "consistency":
            objectives.append(consistency(timeline, book, rule, account))
        elif code == "max_position_size":
            breaches.extend(max_position_size(timeline, book, rule))
        elif code == "max_open_volume":
            breaches.extend(max_open_volume(timeline, book, rule))
        elif code == "inactivity":
            breaches.extend(inactivity(timeline, book, rule))
        elif code == "time_limit" and target_rule is not None:
            target = timeline.b0 + profit_target_amount(timeline.b0, target_rule)
            breaches.extend(time_limit(timeline, book, rule, target_reached_ts(timeline, target)))
        elif code == "weekend_holding":
            breaches.extend(weekend_holding(timeline, book, rule))
        elif code == "news_trading":
            breaches.extend(news_trading(timeline, book, rule, account.calendar))
        elif code == "max_loss_per_trade":
            breaches.extend(max_loss_per_trade(timeline, book, rule, currency))
        elif code == "stop_loss_required":
            breaches.extend(stop_loss_required(timeline, book, rule))
        elif code == "min_holding_time":
            breaches.extend(min_holding_time(timeline, book, rule, currency))
        elif code == "max_trades_per_day":
            breaches.extend(max_trades_per_day(timeline, book, rule))
        elif code == "min_profitable_days":
            objectives.append(min_profitable_days(timeline, book, rule, account))
        elif code == "lot_consistency":
            breaches.extend(lot_consistency(timeline, book, rule))
        elif code == "martingale":
            breaches.extend(martingale(timeline, book, rule))
        elif code == "all_in":
            all_in_rule = rule  # needs the daily limits, whatever the order of the rules

    if all_in_rule is not None:
        limits = daily.limits if daily is not None else None
        breaches.extend(all_in(timeline, book, all_in_rule, currency, limits))

    breaches.sort(key=lambda b: (b.ts, b.key))
    hard = [b for b in breaches if b.severity == "hard"]
    pass_objectives = [o for o in objectives if o.applies_to == "objective"]

    b0 = timeline.b0
    has_points = bool(timeline.times)
    balance = timeline.balances[-1] if has_points else b0
    equity = timeline.equities[-1] if has_points else b0
    end_flow = timeline.flows[-1] if has_points else 0
    trading_equity = timeline.trading_equities()
    depths = drawdown_path(b0, trading_equity)
    wins, losses, gross_profit, gross_loss = trade_stats(timeline.nets)
    today = len(book) - 1
    references = daily.references if daily else day_references(book, b0, "balance")
    daily_floor = None
    if daily is not None:
        daily_floor = daily.limits[today] + end_flow - book.start_flow[today]
    total_floor = total.floor if total is not None else None
    hwm = total.hwm if total is not None else max(b0, max(trading_equity, default=b0)) + end_flow

    return AccountResult(
        account_id=account.account_id,
        basis=timeline.basis,
        balance=balance,
        equity=equity,
        hwm=hwm,
        net_profit=sum(timeline.nets),
        max_drawdown=deepest_fall(depths),
        trades=len(timeline.trades),
        trading_days=sum(1 for n in book.opened if n),
        wins=wins,
        losses=losses,
        gross_profit=gross_profit,
        gross_loss=gross_loss,
        best_day_net=best_day_net(book),
        volume=sum(timeline.open_volumes),
        day_reference=references[today],
        daily_floor=daily_floor,
        total_floor=total_floor,
        room_daily=equity - daily_floor if daily_floor is not None else None,
        room_total=equity - total_floor if total_floor is not None else None,
        days=day_metrics(
            book,
            references,
            daily.limits if daily else None,
            total.day_floors if total else None,
        ),
        breaches=breaches,
        objectives=objectives,
        first_hard_breach=hard[0] if hard else None,
        objectives_met=bool(pass_objectives) and all(o.met for o in pass_objectives),
        last_trade_open_ts=timeline.opens[-1] if timeline.opens else None,
        drawdown_points=thinned_path(timeline.times, depths, DRAWDOWN_SLICES),
    )
