"""The trader portal's views: thin edges over `portal.selectors` and `portal.charts`."""

from .account import account_detail
from .home import home
from .journal import journal, journal_csv
from .violations import failure, violation_detail

__all__ = ["account_detail", "failure", "home", "journal", "journal_csv", "violation_detail"]
