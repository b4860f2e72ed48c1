"""PropDesk's pure risk engine: plain data in (`risk.engine.types`), results out. No ORM, no I/O.

Entry points: `evaluate(account)` for one account, `scan_hedging(...)` for the firm-wide hedging
scan, `trading_day(ts, tz, hour)` for the day an instant belongs to.
"""

from .days import trading_day
from .evaluate import evaluate
from .rules.hedging import scan_hedging

__all__ = ["evaluate", "scan_hedging", "trading_day"]
