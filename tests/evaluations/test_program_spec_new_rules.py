"""Program specs refuse bad values for each per-account rule of issue 16, naming the field
(`parse_program_spec`, the gate `load_program` uses)."""

import pytest

from evaluations.program_spec import SpecError, parse_program_spec


def spec_with(rule: dict) -> dict:
    return {
        "name": "Spec",
        "slug": "spec",
        "account_size": 100000,
        "price": 100,
        "phases": [{"name": "Evaluation", "kind": "evaluation", "rules": [rule]}],
    }


BAD_RULES = [
    ({"code": "max_loss_per_trade", "params": {}}, "params.percent", "give exactly one of"),
    (
        {"code": "max_loss_per_trade", "params": {"percent": 1, "amount": 500}},
        "params.percent",
        "give exactly one of",
    ),
    ({"code": "max_loss_per_trade", "params": {"amount": -5}}, "params.amount", ""),
    ({"code": "max_loss_per_trade", "params": {"percent": "lots"}}, "params.percent", ""),
    ({"code": "stop_loss_required", "params": {"pips": 10}}, "params.pips", "unknown"),
    ({"code": "min_holding_time", "params": {"percent": 50}}, "params.seconds", ""),
    ({"code": "min_holding_time", "params": {"seconds": 0, "percent": 50}}, "params.seconds", ""),
    (
        {"code": "min_holding_time", "params": {"seconds": 60, "percent": 50, "measure": "lots"}},
        "params.measure",
        "",
    ),
    ({"code": "max_trades_per_day", "params": {"trades": 0}}, "params.trades", ""),
    ({"code": "min_profitable_days", "params": {"percent": 1}}, "params.days", ""),
    (
        {"code": "min_profitable_days", "params": {"days": 3, "percent": 1, "applies_to": "x"}},
        "params.applies_to",
        "",
    ),
    ({"code": "lot_consistency", "params": {"multiple": "twice"}}, "params.multiple", ""),
    (
        {"code": "lot_consistency", "params": {"multiple": 2, "min_trades": 0}},
        "params.min_trades",
        "",
    ),
    ({"code": "martingale", "params": {"times": 0}}, "params.times", ""),
    ({"code": "all_in", "params": {}}, "params.percent", ""),
    (
        {"code": "max_daily_loss", "params": {"percent": 5, "on_breach": "warn"}},
        "params.on_breach",
        "",
    ),
]


@pytest.mark.parametrize(("rule", "field", "words"), BAD_RULES, ids=[str(r) for r, *_ in BAD_RULES])
def test_spec_refuses_a_bad_value_of_a_new_rule_naming_the_field(rule, field, words):
    with pytest.raises(SpecError) as exc:
        parse_program_spec(spec_with(rule))

    [(path, message)] = exc.value.errors
    assert path == f"phases[0].rules[0].{field}"
    assert words in message


def test_spec_accepts_the_new_rules_with_good_values():
    rules = [
        {"code": "max_loss_per_trade", "params": {"amount": 500}},
        {"code": "stop_loss_required"},
        {"code": "min_holding_time", "params": {"seconds": 60, "percent": 50}},
        {"code": "max_trades_per_day", "params": {"trades": 20}},
        {"code": "min_profitable_days", "params": {"days": 3, "percent": 0.5}},
        {"code": "lot_consistency", "params": {"multiple": 2}},
        {"code": "martingale", "params": {"times": 3}},
        {"code": "all_in", "params": {"percent": 3}},
    ]
    spec = spec_with(rules[0])
    spec["phases"][0]["rules"] = rules

    parsed = parse_program_spec(spec)

    assert [r.code for r in parsed.phases[0].rules] == [r["code"] for r in rules]
