"""Rule parameters are checked and normalised by one gate (rule_types.validate_params)."""

import pytest
from django.core.exceptions import ValidationError

from evaluations.models import Rule
from evaluations.rule_types import RULE_TYPES, validate_params, validate_severity
from tests.factories import RuleSetFactory


def errors_of(code, params) -> dict:
    with pytest.raises(ValidationError) as exc:
        validate_params(code, params)
    return exc.value.message_dict


def test_daily_loss_defaults_are_filled_in_and_numbers_become_decimal_strings():
    assert validate_params("max_daily_loss", {"percent": 5}) == {
        "percent": "5",
        "amount_base": "initial",
        "reference": "balance",
    }
    assert validate_params("max_daily_loss", {"percent": 4.5})["percent"] == "4.5"


def test_choices_are_case_insensitive_and_stored_lower_case():
    params = validate_params("max_total_loss", {"percent": "6", "mode": "Trailing_EOD"})
    assert params["mode"] == "trailing_eod"


def test_lock_at_accepts_initial_or_an_amount():
    assert validate_params("max_total_loss", {"percent": 4, "lock_at": "INITIAL"})["lock_at"] == (
        "initial"
    )
    assert validate_params("max_total_loss", {"percent": 4, "lock_at": 50100})["lock_at"] == "50100"
    assert "params.lock_at" in errors_of("max_total_loss", {"percent": 4, "lock_at": "soon"})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"percent": "abc"}, "'abc' is not a number"),
        ({"percent": 0}, "above 0 and at most 100"),
        ({"percent": 101}, "above 0 and at most 100"),
        ({"percent": "nan"}, "not a finite number"),
        ({}, "this parameter is required"),
    ],
)
def test_bad_percent_is_refused_naming_the_field(params, message):
    assert message in errors_of("profit_target", params)["params.percent"][0]


def test_unknown_parameter_is_refused_with_the_known_ones_listed():
    errors = errors_of("profit_target", {"percent": 10, "precent": 10})
    assert "known: percent" in errors["params.precent"][0]


def test_unknown_rule_code_is_refused():
    assert "unknown rule" in errors_of("max_drawdown", {})["code"][0]


@pytest.mark.parametrize(
    ("code", "params", "field"),
    [
        ("min_trading_days", {"days": 0}, "params.days"),
        ("min_trading_days", {"days": "four"}, "params.days"),
        ("min_trading_days", {"days": True}, "params.days"),
        ("max_position_size", {"max_volume": 0}, "params.max_volume"),
        ("weekend_holding", {"start_time": "25:00"}, "params.start_time"),
        ("weekend_holding", {"end_day": "funday"}, "params.end_day"),
        ("weekend_holding", {"tz": "Atlantis/Central"}, "params.tz"),
        ("news_trading", {"impact": "huge"}, "params.impact"),
        ("consistency", {"percent": 40, "applies_to": "withdrawal"}, "params.applies_to"),
    ],
)
def test_bad_parameters_are_refused(code, params, field):
    assert field in errors_of(code, params)


def test_objectives_can_only_be_soft():
    with pytest.raises(ValidationError, match="profit_target can only be soft"):
        validate_severity("profit_target", "hard")
    validate_severity("max_daily_loss", "soft")


def test_every_rule_type_accepts_its_own_defaults_plus_required_values():
    samples = {
        "percent": 5,
        "days": 3,
        "max_volume": 2,
        "seconds": 60,
        "trades": 20,
        "multiple": 3,
        "times": 3,
    }
    for code, rule_type in RULE_TYPES.items():
        params = {p.name: samples[p.name] for p in rule_type.params if p.required}
        if rule_type.one_of:  # e.g. a loss per trade as a percent or as an amount: one of them
            params[rule_type.one_of[0]] = samples[rule_type.one_of[0]]
        validate_params(code, params)


@pytest.mark.django_db
def test_saved_rule_params_are_normalised_and_bad_ones_refused():
    rule_set = RuleSetFactory()
    rule = Rule.objects.create(rule_set=rule_set, code="max_total_loss", params={"percent": 10})
    rule.refresh_from_db()
    assert rule.params == {"percent": "10", "mode": "static"}
    with pytest.raises(ValidationError):
        Rule.objects.create(rule_set=rule_set, code="profit_target", params={"percent": "x"})
    assert rule_set.rules.count() == 1
