"""The scaling plan of a funded phase, as pure computation (no database).

    a cycle qualifies     its paid payout withdrew ≥ X% × the account's size (its initial balance)
    a step is due         the account's last N paid cycles all qualify, and size < cap
    the next size         min(size + Y% × the program's size, cap)

Each step opens a new funded account at the next size (evaluations.services.scaling), so the
cycles of one account count toward one step only: the counter starts again at every step. The
amounts are money (Decimal, 2 places); percentages of money are rounded down to the cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")


def percent_of(percent: Decimal, amount: Decimal) -> Decimal:
    """percent × amount / 100, rounded down to the cent."""
    return (amount * percent / 100).quantize(CENT, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class ScalingPlan:
    cycles: int  # N paid payout cycles per step
    min_profit_percent: Decimal  # X: each cycle's paid profit ≥ X% of the account's size
    growth_percent: Decimal  # Y: each step adds Y% of the program's size
    cap: Decimal  # the largest account size

    @classmethod
    def of_phase(cls, phase) -> ScalingPlan | None:
        """The phase's plan, or None when the phase has none."""
        if phase.scaling_cycles is None:
            return None
        return cls(
            cycles=phase.scaling_cycles,
            min_profit_percent=phase.scaling_min_profit_percent,
            growth_percent=phase.scaling_growth_percent,
            cap=phase.scaling_cap,
        )


@dataclass(frozen=True)
class ScalingProgress:
    plan: ScalingPlan
    size: Decimal  # the account's size now
    qualifying: int  # the latest consecutive qualifying cycles, at most N
    cycle_threshold: Decimal  # X% of the size: the paid profit a cycle needs
    next_size: Decimal | None  # None: the size is at the cap

    @property
    def due(self) -> bool:
        """The account has earned its next step."""
        return self.next_size is not None and self.qualifying >= self.plan.cycles

    def sentence(self, currency: str) -> str:
        """What the trader reads on the funded account's page."""
        plan = self.plan
        cap = f"{plan.cap:,.2f}"
        if self.next_size is None:
            return f"Scaling plan: the account is at the cap of {cap} {currency}."
        step = self.next_size - self.size
        return (
            f"Scaling plan: {self.qualifying} of {plan.cycles} cycles at "
            f"≥ {plan.min_profit_percent.normalize():f}% done; next step +{step:,.2f} to "
            f"{self.next_size:,.2f} {currency} (cap {cap})."
        )


def next_size(plan: ScalingPlan, base_size: Decimal, size: Decimal) -> Decimal | None:
    """The size after one more step, or None at the cap: min(size + Y% × base, cap)."""
    if size >= plan.cap:
        return None
    return min(size + percent_of(plan.growth_percent, base_size), plan.cap)


def scaling_progress(
    plan: ScalingPlan, *, base_size: Decimal, size: Decimal, cycle_profits: Sequence[Decimal]
) -> ScalingProgress:
    """Where an account of `size` stands, from the paid profit of each of its payout cycles
    (oldest first); `base_size` is the program's size, the basis of Y."""
    threshold = percent_of(plan.min_profit_percent, size)
    qualifying = 0
    for profit in reversed(cycle_profits):
        if profit < threshold or qualifying == plan.cycles:
            break
        qualifying += 1
    return ScalingProgress(
        plan=plan,
        size=size,
        qualifying=qualifying,
        cycle_threshold=threshold,
        next_size=next_size(plan, base_size, size),
    )
