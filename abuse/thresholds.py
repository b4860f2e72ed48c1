"""The detectors' parameters: the defaults in each detector module, overridden per firm by
`settings.ABUSE_THRESHOLDS` (docs/abuse-detection.md, "Tuning")."""

from __future__ import annotations

from django.conf import settings

from .detectors import copy_trading, group_hedging, scalping

DEFAULTS: dict[str, dict] = {
    copy_trading.DETECTOR: {
        "window_ms": copy_trading.WINDOW_MS,
        "min_matches": copy_trading.MIN_MATCHES,
        "min_similarity": copy_trading.MIN_SIMILARITY,
    },
    group_hedging.DETECTOR: {
        "window_ms": group_hedging.WINDOW_MS,
        "min_hedges": group_hedging.MIN_HEDGES,
        "max_p_value": group_hedging.MAX_P_VALUE,
        "concentration": group_hedging.CONCENTRATION,
    },
    scalping.DETECTOR: {
        "max_hold_ms": scalping.MAX_HOLD_MS,
        "min_short_trades": scalping.MIN_SHORT_TRADES,
        "min_short_share": scalping.MIN_SHORT_SHARE,
        "min_win_rate": scalping.MIN_WIN_RATE,
    },
    "scan": {"lookback_days": 30},
}


def thresholds(detector: str) -> dict:
    """The detector's parameters: its defaults updated with the firm's overrides."""
    overrides = getattr(settings, "ABUSE_THRESHOLDS", {}) or {}
    return {**DEFAULTS[detector], **overrides.get(detector, {})}
