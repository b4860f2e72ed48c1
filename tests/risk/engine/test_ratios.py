"""Derived ratios the portal shows: exact, never float."""

from decimal import Decimal

from risk.engine.metrics import (
    average_loss,
    average_win,
    best_day_share_bp,
    profit_factor,
    win_rate_bp,
)


def test_win_rate_in_basis_points():
    assert win_rate_bp(2, 1) == 6667
    assert win_rate_bp(0, 0) is None


def test_profit_factor_is_a_two_decimal_decimal():
    assert profit_factor(350_000, 40_000) == Decimal("8.75")
    assert profit_factor(100, 300) == Decimal("0.33")
    assert profit_factor(100, 0) is None


def test_average_win_and_loss_in_cents():
    assert average_win(350_001, 2) == 175_001  # half up
    assert average_loss(40_000, 1) == 40_000
    assert average_win(0, 0) is None and average_loss(0, 0) is None


def test_best_day_share_needs_a_profit():
    assert best_day_share_bp(150_000, 310_000) == 4839
    assert best_day_share_bp(100, -50) is None
