"""Rule parameters turned into engine numbers, once per distinct value (cached).

`evaluations.rule_types.validate_params` has already normalised them: percents and decimals are
strings ("5", "4.5"), days/minutes/seconds are ints, `lock_at` is None, "initial" or an amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import lru_cache

from .types import VOLUME_SCALE


@dataclass(frozen=True, slots=True)
class Percent:
    """An exact percentage num/den % (no float): Percent.parse("4.5") is 9/2 %."""

    num: int
    den: int
    text: str

    @staticmethod
    @lru_cache(maxsize=256)
    def parse(text: str) -> Percent:
        num, den = Decimal(str(text)).as_integer_ratio()
        return Percent(num, den, str(text))

    def of(self, cents: int) -> int:
        """percent × cents, rounded to the nearest cent (halves away from zero)."""
        scaled = abs(cents) * self.num * 2
        div = self.den * 100
        value = (scaled + div) // (2 * div)
        return -value if cents < 0 else value

    def at_most(self, part: int, whole: int) -> bool:
        """part ≤ percent × whole, exactly."""
        return part * 100 * self.den <= self.num * whole

    def whole_needed(self, part: int) -> int:
        """The smallest whole (cents) with part ≤ percent × whole: ceil(part × 100 / percent)."""
        return -((-part * 100 * self.den) // self.num)

    @property
    def bp(self) -> int:
        """The percentage in basis points, rounded half up (40% → 4000)."""
        return (self.num * 200 + self.den) // (2 * self.den)


@lru_cache(maxsize=256)
def volume_units(text: str) -> int:
    """A lot/contract limit ("5", "0.5") in engine volume units, rounded down.

    Rounding down is exact for the strict test `volume > limit` on integer volumes.
    """
    return int((Decimal(str(text)) * VOLUME_SCALE).to_integral_value(ROUND_FLOOR))


@lru_cache(maxsize=256)
def money_cents(text: str) -> int:
    """A money amount string ("100000.00") in cents, halves away from zero."""
    return int((Decimal(str(text)) * 100).to_integral_value(ROUND_HALF_UP))


def lock_cents(lock_at: str | None, initial_balance: int) -> int | None:
    """`lock_at` of the total-loss rule as a balance in cents: None, B0 ("initial") or an amount."""
    if lock_at is None or lock_at == "":
        return None
    if lock_at == "initial":
        return initial_balance
    return money_cents(lock_at)
