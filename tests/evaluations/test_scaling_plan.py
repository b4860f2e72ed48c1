"""The scaling plan's arithmetic (evaluations/scaling.py): the worked example of docs/rules.md
to the cent, and hypothesis properties (never above the cap; a step only after N qualifying
cycles)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from evaluations.scaling import ScalingPlan, scaling_progress

D = Decimal
BASE = D("100000.00")
PLAN = ScalingPlan(cycles=2, min_profit_percent=D("5"), growth_percent=D("25"), cap=D("160000.00"))


def progress(size: str, *profits: str):
    return scaling_progress(
        PLAN, base_size=BASE, size=D(size), cycle_profits=[D(p) for p in profits]
    )


def test_worked_example_first_step_needs_two_consecutive_cycles_of_5000():
    assert progress("100000.00", "5200.00").due is False
    broken = progress("100000.00", "5200.00", "4999.99")
    assert (broken.qualifying, broken.cycle_threshold) == (0, D("5000.00"))
    assert progress("100000.00", "5200.00", "4999.99", "5000.00").qualifying == 1
    step = progress("100000.00", "5200.00", "4999.99", "5000.00", "6100.00")
    assert step.due and step.next_size == D("125000.00")


def test_worked_example_steps_of_25000_of_the_program_size_up_to_the_cap():
    second = progress("125000.00", "6250.00")
    assert second.cycle_threshold == D("6250.00")
    assert second.sentence("USD") == (
        "Scaling plan: 1 of 2 cycles at ≥ 5% done; next step +25,000.00 to 150,000.00 USD "
        "(cap 160,000.00)."
    )
    assert progress("125000.00", "6250.00", "6249.99").due is False
    assert progress("125000.00", "6250.00", "7000.00").next_size == D("150000.00")
    last = progress("150000.00", "7500.00", "7500.00")
    assert last.due and last.next_size == D("160000.00")  # 175,000 capped
    at_cap = progress("160000.00", "9000.00", "9000.00")
    assert at_cap.due is False
    assert at_cap.sentence("USD") == "Scaling plan: the account is at the cap of 160,000.00 USD."


plans = st.builds(
    ScalingPlan,
    cycles=st.integers(1, 6),
    min_profit_percent=st.decimals("0", "20", places=2),
    growth_percent=st.decimals("0.01", "100", places=2),
    cap=st.decimals("1000.01", "1000000", places=2),
)
profit_runs = st.lists(st.decimals("0", "50000", places=2), max_size=40)


@given(plan=plans, base=st.decimals("1000", "1000000", places=2), profits=profit_runs)
def test_size_never_exceeds_the_cap_and_grows_only_after_n_qualifying_cycles(plan, base, profits):
    """Replay a run of paid cycles the way the service does: one account per size, its cycle
    counter starting again at each step."""
    size, cycles = min(base, plan.cap), []
    for profit in profits:
        cycles.append(profit)
        now = scaling_progress(plan, base_size=base, size=size, cycle_profits=cycles)
        if now.due:
            threshold = now.cycle_threshold
            assert len(cycles) >= plan.cycles
            assert all(p >= threshold for p in cycles[-plan.cycles :])
            assert now.next_size > size
            size, cycles = now.next_size, []
        assert size <= plan.cap
