"""`load_program FILE.yaml`: programs from specs, versioned rules, all-or-nothing errors."""

from decimal import Decimal
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from evaluations.models import Phase, PhaseKind, Program, Rule, RuleSet
from evaluations.services.accounts import open_account
from tests.evaluations.conftest import PROGRAMS_DIR
from tests.factories import TraderFactory

pytestmark = pytest.mark.django_db

SHIPPED = (
    "ftmo-2step-100k.yaml",
    "one-step-100k-eod.yaml",
    "futures-combine-50k.yaml",
    "e8-one-100k.yaml",
)


def load(path) -> str:
    out = StringIO()
    call_command("load_program", str(path), stdout=out)
    return out.getvalue()


def shipped_spec(name: str) -> dict:
    return yaml.safe_load((PROGRAMS_DIR / name).read_text())


def write_spec(tmp_path, data: dict, name="spec.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def rules_of(phase: Phase) -> dict:
    return {r.code: (r.severity, r.params) for r in phase.current_rule_set.rules.all()}


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_spec_loads_with_one_rule_set_per_phase(name):
    output = load(PROGRAMS_DIR / name)

    program = Program.objects.get(slug=name.removesuffix(".yaml"))
    phases = list(program.phases.order_by("order"))
    assert "created" in output
    assert phases[-1].kind == PhaseKind.FUNDED
    assert all(p.rule_sets.count() == 1 and p.current_rule_set.version == 1 for p in phases)
    assert all(p.current_rule_set.rules.exists() for p in phases)


def test_ftmo_spec_has_the_two_phase_rules_of_the_product_spec():
    load(PROGRAMS_DIR / "ftmo-2step-100k.yaml")

    program = Program.objects.get(slug="ftmo-2step-100k")
    phase1, phase2, funded = program.phases.order_by("order")
    assert program.account_size == Decimal("100000.00")
    assert (phase1.reset_tz, phase1.reset_hour) == ("Europe/Prague", 0)
    daily = ("hard", {"percent": "5", "amount_base": "initial", "reference": "balance"})
    for phase, target in ((phase1, "10"), (phase2, "5")):
        rules = rules_of(phase)
        assert rules["profit_target"] == ("soft", {"percent": target})
        assert rules["max_daily_loss"] == daily
        assert rules["max_total_loss"] == ("hard", {"percent": "10", "mode": "static"})
        assert rules["min_trading_days"] == ("soft", {"days": 4})
    assert phase1.auto_advance and not phase2.auto_advance
    assert (funded.profit_split, funded.payout_cycle_days) == (Decimal("80.00"), 14)
    assert rules_of(funded)["max_daily_loss"] == daily


def test_ftmo_funded_phase_has_the_scaling_plan():
    load(PROGRAMS_DIR / "ftmo-2step-100k.yaml")

    funded = Program.objects.get(slug="ftmo-2step-100k").phases.get(kind=PhaseKind.FUNDED)
    assert (
        funded.scaling_cycles,
        funded.scaling_min_profit_percent,
        funded.scaling_growth_percent,
        funded.scaling_cap,
    ) == (2, Decimal("5.00"), Decimal("25.00"), Decimal("2000000.00"))


def test_one_step_spec_trails_end_of_day_and_gates_payouts_on_consistency():
    load(PROGRAMS_DIR / "one-step-100k-eod.yaml")

    evaluation, funded = Program.objects.get(slug="one-step-100k-eod").phases.order_by("order")
    rules = rules_of(evaluation)
    assert rules["max_total_loss"][1] == {"percent": "6", "mode": "trailing_eod"}
    assert rules["max_daily_loss"][1] == {
        "percent": "3",
        "amount_base": "reference",
        "reference": "max_balance_equity",
    }
    assert rules["profit_target"][1] == {"percent": "10"}
    assert rules_of(funded)["consistency"] == ("soft", {"percent": "40", "applies_to": "payout"})


def test_futures_spec_resets_at_five_pm_chicago_with_a_2000_dollar_trailing_loss():
    load(PROGRAMS_DIR / "futures-combine-50k.yaml")

    program = Program.objects.get(slug="futures-combine-50k")
    combine, funded = program.phases.order_by("order")
    assert (combine.reset_tz, combine.reset_hour) == ("America/Chicago", 17)
    total = rules_of(combine)["max_total_loss"][1]
    assert total == {"percent": "4", "mode": "trailing_eod", "lock_at": "initial"}
    assert Decimal(total["percent"]) / 100 * program.account_size == Decimal("2000")
    assert rules_of(combine)["max_position_size"] == ("hard", {"max_volume": "5"})
    assert rules_of(combine)["consistency"][1]["percent"] == "50"
    assert rules_of(combine)["profit_target"][1] == {"percent": "6"}
    assert funded.profit_split == Decimal("90.00")


def test_loading_the_same_spec_again_changes_nothing_and_says_unchanged():
    load(PROGRAMS_DIR / "ftmo-2step-100k.yaml")
    rule_sets_before = RuleSet.objects.count()

    output = load(PROGRAMS_DIR / "ftmo-2step-100k.yaml")

    assert RuleSet.objects.count() == rule_sets_before
    assert 'Program "2-Step 100k" (ftmo-2step-100k): unchanged' in output
    assert output.count("rules v1 unchanged") == 3


def test_changed_rules_make_a_new_version_and_open_accounts_keep_theirs(tmp_path):
    load(PROGRAMS_DIR / "ftmo-2step-100k.yaml")
    program = Program.objects.get(slug="ftmo-2step-100k")
    account = open_account(TraderFactory(), program, notify=False)
    spec = shipped_spec("ftmo-2step-100k.yaml")
    spec["phases"][0]["rules"][2]["params"]["percent"] = 4  # daily loss 5% -> 4%

    output = load(write_spec(tmp_path, spec))

    phase1 = program.phases.get(order=1)
    assert 'phase 1 "Phase 1": unchanged; rules v2 new version' in output
    assert 'phase 2 "Phase 2": unchanged; rules v1 unchanged' in output
    assert rules_of(phase1)["max_daily_loss"][1]["percent"] == "4"
    account.refresh_from_db()
    assert account.rule_set.version == 1
    assert account.rule_set.rules.get(code="max_daily_loss").params["percent"] == "5"
    assert open_account(TraderFactory(), program, notify=False).rule_set.version == 2


def test_program_fields_update_in_place_without_new_rule_versions(tmp_path):
    load(PROGRAMS_DIR / "futures-combine-50k.yaml")
    spec = shipped_spec("futures-combine-50k.yaml")
    spec["price"] = 59
    spec["phases"][1]["profit_split"] = 85

    output = load(write_spec(tmp_path, spec))

    program = Program.objects.get(slug="futures-combine-50k")
    assert program.price == Decimal("59.00")
    assert program.phases.get(order=2).profit_split == Decimal("85.00")
    assert "(futures-combine-50k): updated" in output
    assert RuleSet.objects.filter(phase__program=program).count() == 2


def test_a_phase_dropped_from_the_spec_is_removed_when_no_account_uses_it(tmp_path):
    load(PROGRAMS_DIR / "ftmo-2step-100k.yaml")
    spec = shipped_spec("ftmo-2step-100k.yaml")
    del spec["phases"][1]  # Phase 2 goes; Funded becomes phase 2

    output = load(write_spec(tmp_path, spec))

    names = list(
        Phase.objects.filter(program__slug="ftmo-2step-100k").values_list("name", flat=True)
    )
    assert names == ["Phase 1", "Funded"]
    assert 'phase "Funded": removed' in output


BAD_SPECS = [
    (
        lambda s: s["phases"][1]["rules"][0]["params"].update(percent="abc"),
        "phases[1].rules[0].params.percent: 'abc' is not a number",
    ),
    (
        lambda s: s["phases"][2].pop("profit_split"),
        "phases[2].profit_split: required for a funded phase",
    ),
    (
        lambda s: s["phases"][0].update(reset_tz="Europe/Praha"),
        "phases[0].reset_tz: 'Europe/Praha' is not",
    ),
    (
        lambda s: s["phases"][0].update(reset_hour=24),
        "phases[0].reset_hour: 24 must be between 0 and 23",
    ),
    (
        lambda s: s["phases"][0]["rules"][0].update(code="max_drawdown"),
        "phases[0].rules[0].code: 'max_drawdown' is not a rule code",
    ),
    (
        lambda s: s["phases"][0]["rules"][0].update(severity="hard"),
        "phases[0].rules[0].severity: profit_target can only be soft",
    ),
    (
        lambda s: s["phases"][0]["rules"].append(
            {"code": "profit_target", "params": {"percent": 8}}
        ),
        "phases[0].rules[5].code: profit_target already appears at rules[0]",
    ),
    (lambda s: s["phases"][0].update(profit_spilt=80), "phases[0].profit_spilt: unknown field"),
    (lambda s: s.update(currency="usd"), "currency: 'usd' is not a 3-letter ISO code"),
    (lambda s: s.update(account_size=0), "account_size: 0 must be above 0"),
    (lambda s: s.update(slug="two step"), "slug: 'two step' is not a slug"),
    (lambda s: s.update(platform="mt6"), "platform: 'mt6' is not one of"),
    (lambda s: s.update(phases=[]), "phases: a program needs a list of at least one phase"),
    (
        lambda s: s["phases"][0].update(kind="challenge"),
        "phases[0].kind: 'challenge' is not one of",
    ),
    (
        lambda s: s["phases"][0].update(auto_advance="yes please"),
        "phases[0].auto_advance: 'yes please' is not true or false",
    ),
    (
        lambda s: s["phases"].append(dict(s["phases"][0], name="Phase 3")),
        "phases[3].kind: an evaluation phase cannot follow a funded phase",
    ),
    (
        lambda s: s["phases"][0].update(scaling_plan=s["phases"][2]["scaling_plan"]),
        "phases[0].scaling_plan: only a funded phase has a scaling plan",
    ),
    (
        lambda s: s["phases"][2]["scaling_plan"].pop("cap"),
        "phases[2].scaling_plan.cap: this field is required",
    ),
    (
        lambda s: s["phases"][2]["scaling_plan"].update(cap=100000),
        "phases[2].scaling_plan.cap: 100000.00 must be above the account size 100000.00",
    ),
    (
        lambda s: s["phases"][2]["scaling_plan"].update(cycles=0),
        "phases[2].scaling_plan.cycles: 0 must be between 1 and 100",
    ),
    (
        lambda s: s["phases"][2]["scaling_plan"].update(growth_percent=0),
        "phases[2].scaling_plan.growth_percent: 0 must be above 0",
    ),
    (
        lambda s: s["phases"][2]["scaling_plan"].update(min_profit_percent=120),
        "phases[2].scaling_plan.min_profit_percent: 120.00 is above 100 (percent)",
    ),
    (
        lambda s: s["phases"][2]["scaling_plan"].update(every="4 months"),
        "phases[2].scaling_plan.every: unknown field",
    ),
]


@pytest.mark.parametrize(("mutate", "message"), BAD_SPECS, ids=[m for _, m in BAD_SPECS])
def test_a_bad_spec_is_refused_naming_the_field_and_nothing_is_written(tmp_path, mutate, message):
    spec = shipped_spec("ftmo-2step-100k.yaml")
    mutate(spec)

    with pytest.raises(CommandError) as exc:
        load(write_spec(tmp_path, spec))

    assert message in str(exc.value)
    assert Program.objects.count() == 0 and Phase.objects.count() == 0
    assert RuleSet.objects.count() == 0 and Rule.objects.count() == 0


def test_every_problem_in_a_spec_is_reported_at_once(tmp_path):
    spec = shipped_spec("ftmo-2step-100k.yaml")
    spec["price"] = "free"
    spec["phases"][2]["payout_cycle_days"] = 0

    with pytest.raises(CommandError) as exc:
        load(write_spec(tmp_path, spec))

    assert "price: 'free' is not a number" in str(exc.value)
    assert "phases[2].payout_cycle_days: 0 must be between 1 and 365" in str(exc.value)


def test_invalid_yaml_is_refused_with_its_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: X\nphases:\n  - name: [unclosed\n")

    with pytest.raises(CommandError, match="not valid YAML at line"):
        load(path)


def test_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        load(tmp_path / "nope.yaml")


def test_a_late_error_rolls_back_everything_already_written(tmp_path):
    load(PROGRAMS_DIR / "ftmo-2step-100k.yaml")
    program = Program.objects.get(slug="ftmo-2step-100k")
    open_account(TraderFactory(), program, phase=program.phases.get(order=3), notify=False)
    spec = shipped_spec("ftmo-2step-100k.yaml")
    spec["price"] = 999
    spec["phases"][0]["rules"][0]["params"]["percent"] = 8
    del spec["phases"][2]  # the funded phase has an account: cannot be removed

    with pytest.raises(CommandError, match="has accounts and cannot be removed"):
        load(write_spec(tmp_path, spec))

    program.refresh_from_db()
    assert program.price == Decimal("540.00")
    assert program.phases.get(order=1).rule_sets.count() == 1


def test_a_program_name_taken_by_another_slug_is_refused(tmp_path):
    load(PROGRAMS_DIR / "ftmo-2step-100k.yaml")
    spec = shipped_spec("ftmo-2step-100k.yaml")
    spec["slug"] = "another-slug"

    with pytest.raises(CommandError, match="name: Program with this Name already exists"):
        load(write_spec(tmp_path, spec))
    assert Program.objects.count() == 1
