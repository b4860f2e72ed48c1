"""Small builders for risk tests: a program with phases and rules, an account, its trades."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from evaluations.models import Phase, PhaseKind, Rule, RuleSet, Trade, TradingAccount
from tests.factories import (
    T0,
    EquitySnapshotFactory,
    ProgramFactory,
    TraderFactory,
    TradingAccountFactory,
)

UTC = dt.UTC
DAILY_5 = ("max_daily_loss", "hard", {"percent": "5"})
TOTAL_10 = ("max_total_loss", "hard", {"percent": "10"})
TARGET_10 = ("profit_target", "soft", {"percent": "10"})


def two_phase_program(
    rules: list[tuple[str, str, dict]],
    *,
    auto_advance: bool = True,
    reset_tz: str = "UTC",
    size: str = "100000.00",
    name: str | None = None,
):
    """A program with Phase 1 and Phase 2 (both evaluation), each with `rules` as version 1."""
    program = ProgramFactory(account_size=Decimal(size), **({"name": name} if name else {}))
    for order in (1, 2):
        phase = Phase.objects.create(
            program=program,
            order=order,
            name=f"Phase {order}",
            kind=PhaseKind.EVALUATION,
            reset_tz=reset_tz,
            reset_hour=0,
            auto_advance=auto_advance,
        )
        rule_set = RuleSet.objects.create(phase=phase, version=1)
        for code, severity, params in rules:
            Rule.objects.create(rule_set=rule_set, code=code, severity=severity, params=params)
    return program


def account_in(program, *, order: int = 1, login: str | None = None, trader=None, **kw):
    """An active account in the program's phase `order`, started at T0 (a Monday, 08:00 UTC)."""
    phase = program.phases.get(order=order)
    extra = {"login": login} if login else {}
    if trader is not None:
        extra["trader"] = trader
    return TradingAccountFactory(
        rule_set=phase.current_rule_set, phase=phase, program=program, **extra, **kw
    )


_tickets = iter(range(900_000, 10_000_000))


def trade(
    account,
    net: str,
    *,
    hours: float = 2,
    duration: float = 1,
    volume: str = "1.00",
    side: str = "buy",
    symbol: str = "EURUSD",
    ticket: str | None = None,
) -> Trade:
    """A closed trade on `account` closing `hours` after T0, open for `duration` hours, whose
    net result is `net` (all in `profit`)."""
    close_time = T0 + dt.timedelta(hours=hours)
    return Trade.objects.create(
        account=account,
        ticket=ticket or str(next(_tickets)),
        symbol=symbol,
        side=side,
        volume=Decimal(volume),
        open_time=close_time - dt.timedelta(hours=duration),
        open_price=Decimal("1.08000"),
        close_time=close_time,
        close_price=Decimal("1.08100"),
        profit=Decimal(net),
    )


def trader(email: str):
    return TraderFactory(email=email)


def floating_loss_account(program) -> TradingAccount:
    """An account up 500.00 on closed trades whose snapshot 5 h in shows equity at 89,000:
    below a 10% total loss floor on open positions alone."""
    account = account_in(program)
    trade(account, "500.00", hours=2)
    EquitySnapshotFactory(
        account=account,
        time=T0 + dt.timedelta(hours=5),
        balance=Decimal("100500.00"),
        equity=Decimal("89000.00"),
    )
    return account
