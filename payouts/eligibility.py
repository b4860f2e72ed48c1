"""Payout eligibility (PRODUCT.md §3): one pure function over plain data.

`payout_eligibility(facts)` returns the decision and every check with its reason, so the
portal can show the trader exactly what stands between them and a payout before they ask,
and the request service refuses for the same reasons. No ORM here: `payouts.selectors`
gathers the facts.

Amounts (Decimal, quantized down to the cent):
    profit           = balance − B0
    eligible_amount  = profit, when ≥ min payout (the gross profit that can be withdrawn)
    trader_share     = ⌊amount × split / 100⌋ to the cent   (never above profit × split)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from risk.engine.params import Percent
from risk.engine.rules.objectives import consistency_gate

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


def to_cents_down(value: Decimal) -> Decimal:
    """Quantize money down to the cent (toward zero): the firm never pays a fraction more."""
    return Decimal(value).quantize(CENT, rounding=ROUND_DOWN)


def trader_share(amount: Decimal, split_percent: Decimal) -> Decimal:
    """The trader's share of a gross payout amount: ⌊amount × split / 100⌋ to the cent.

    0 ≤ result ≤ amount × split / 100 for any amount ≥ 0 and 0 ≤ split ≤ 100.
    """
    if amount <= 0:
        return ZERO
    return to_cents_down(Decimal(amount) * Decimal(split_percent) / HUNDRED)


@dataclass(frozen=True)
class PayoutFacts:
    """Everything eligibility depends on, as plain values."""

    as_of: dt.datetime  # aware
    account_status: str  # evaluations.AccountStatus value
    phase_kind: str  # "evaluation" | "funded"
    kyc_status: str | None  # accounts.KycStatus value; None when the trader has no profile
    cycle_start: dt.datetime  # funded start, or the last paid payout's paid_at
    cycle_days: int  # the phase's payout cycle
    open_hard_violations: tuple[str, ...]  # rule codes of open hard violations
    profit: Decimal  # balance − B0
    min_payout: Decimal
    split_percent: Decimal  # trader's share in percent, e.g. 80
    has_open_request: bool
    consistency_percent: Decimal | None = None  # payout gate from the rule set, if any
    cycle_daily_nets: tuple[Decimal, ...] = ()  # net per day of the current cycle
    tz: str = "UTC"  # the phase's zone, for the dates shown
    open_abuse_cases: tuple[int, ...] = ()  # open abuse cases naming the account
    payouts_denied_by: tuple[int, ...] = ()  # decided cases that denied its payouts


@dataclass(frozen=True)
class Check:
    code: str
    ok: bool
    message: str


@dataclass(frozen=True)
class Eligibility:
    checks: tuple[Check, ...]
    profit: Decimal
    eligible_amount: Decimal  # gross profit that can be requested; 0 when not eligible
    split_percent: Decimal
    cycle_start: dt.datetime
    next_eligible_at: dt.datetime

    @property
    def eligible(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the trader cannot request now (empty when eligible)."""
        return tuple(c.message for c in self.checks if not c.ok)

    @property
    def trader_share(self) -> Decimal:
        """What the trader receives if they request all of it now (0 when not eligible)."""
        return trader_share(self.eligible_amount, self.split_percent)

    @property
    def cycle_complete(self) -> bool:
        """Whether the payout cycle has elapsed (the date is no longer what they wait for)."""
        return all(c.ok for c in self.checks if c.code == "cycle")

    @property
    def waiting_only_for_cycle(self) -> bool:
        """Not eligible, and the cycle's end is the only thing missing: the current profit
        becomes payable on `next_eligible_at` if nothing else changes."""
        failing = {c.code for c in self.checks if not c.ok}
        return failing == {"cycle"}

    @property
    def prospective_share(self) -> Decimal:
        """The trader's share of the current profit, whether or not it can be requested now:
        ⌊max(profit, 0) × split / 100⌋ to the cent."""
        return trader_share(max(self.profit, ZERO), self.split_percent)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _percent(value: Decimal) -> str:
    return f"{value.quantize(Decimal('1'), rounding=ROUND_HALF_UP)}%"


def _cents(value: Decimal) -> int:
    return int((Decimal(value) * HUNDRED).to_integral_value(rounding=ROUND_HALF_UP))


def _consistency_check(facts: PayoutFacts) -> Check | None:
    """The consistency payout gate, decided by the engine's one definition of the rule
    (`risk.engine.rules.objectives.consistency_gate`) over the cycle's daily nets."""
    if facts.consistency_percent is None:
        return None
    limit = Decimal(facts.consistency_percent)
    gate = consistency_gate(
        [_cents(net) for net in facts.cycle_daily_nets], Percent.parse(str(limit))
    )
    if gate.total <= 0:
        return Check(
            "consistency",
            False,
            f"consistency: no net profit in this cycle (best day ≤ {_percent(limit)} of total)",
        )
    share = Decimal(gate.share_bp) / HUNDRED
    if not gate.met:
        needed = Decimal(gate.needed_total) / HUNDRED
        return Check(
            "consistency",
            False,
            f"consistency: best day {_percent(share)} > {_percent(limit)} "
            f"(met once the cycle's net reaches {_money(needed)})",
        )
    return Check(
        "consistency", True, f"consistency: best day {_percent(share)} ≤ {_percent(limit)}"
    )


def review_check(facts: PayoutFacts, *, staff: bool = False) -> Check:
    """Abuse review: an open case holds payouts; a case decided "deny payouts" or "ban" refuses
    them. The trader reads "under review"; staff (`staff=True`) read the case numbers."""
    if facts.payouts_denied_by:
        cases = ", ".join(f"#{pk}" for pk in facts.payouts_denied_by)
        return Check(
            "review",
            False,
            f"payouts denied by abuse case {cases}" if staff else "payouts denied after a review",
        )
    if facts.open_abuse_cases:
        cases = ", ".join(f"#{pk}" for pk in facts.open_abuse_cases)
        return Check(
            "review",
            False,
            f"open abuse case {cases}: payouts held until it is decided"
            if staff
            else "account under review",
        )
    return Check("review", True, "no open review")


def payout_eligibility(facts: PayoutFacts) -> Eligibility:
    """Decide whether a payout can be requested now, with every reason.

    Eligible when (PRODUCT.md §3): the account is funded and active; `cycle_days` have elapsed
    since the cycle start; KYC is verified; no open hard violation; profit ≥ the minimum payout
    and > 0; the consistency gate is met where the rule set has one for payouts; and no other
    request is open on the account.
    """
    profit = to_cents_down(facts.profit)
    next_eligible_at = facts.cycle_start + dt.timedelta(days=facts.cycle_days)
    local_next = next_eligible_at.astimezone(ZoneInfo(facts.tz)).date()
    checks: list[Check] = []

    funded = facts.phase_kind == "funded" and facts.account_status == "funded"
    checks.append(
        Check(
            "account",
            funded,
            "account: funded and active"
            if funded
            else f"account is not an active funded account (status {facts.account_status})",
        )
    )
    cycle_ok = facts.as_of >= next_eligible_at
    checks.append(
        Check(
            "cycle",
            cycle_ok,
            f"payout cycle: eligible since {local_next.isoformat()}"
            if cycle_ok
            else f"payout cycle: next eligible {local_next.isoformat()}",
        )
    )
    kyc_ok = facts.kyc_status == "verified"
    checks.append(Check("kyc", kyc_ok, "KYC verified" if kyc_ok else "KYC not verified"))
    violations = sorted(set(facts.open_hard_violations))
    checks.append(
        Check(
            "violations",
            not violations,
            "no open hard violation"
            if not violations
            else f"open hard violation: {', '.join(violations)}",
        )
    )
    min_payout = to_cents_down(facts.min_payout)
    profit_ok = profit > 0 and profit >= min_payout
    if profit_ok:
        profit_message = f"profit {_money(profit)} ≥ minimum payout {_money(min_payout)}"
    elif profit <= 0:
        profit_message = f"no profit to pay out (profit {_money(profit)})"
    else:
        profit_message = f"profit {_money(profit)} below the minimum payout {_money(min_payout)}"
    checks.append(Check("profit", profit_ok, profit_message))
    consistency = _consistency_check(facts)
    if consistency is not None:
        checks.append(consistency)
    checks.append(
        Check(
            "open_request",
            not facts.has_open_request,
            "no other open request"
            if not facts.has_open_request
            else "another payout request is already open on this account",
        )
    )
    checks.append(review_check(facts))
    all_ok = all(c.ok for c in checks)
    return Eligibility(
        checks=tuple(checks),
        profit=profit,
        eligible_amount=profit if all_ok else ZERO,
        split_percent=Decimal(facts.split_percent),
        cycle_start=facts.cycle_start,
        next_eligible_at=next_eligible_at,
    )
