"""The trader portal's views: thin edges over `portal.selectors` and `portal.charts`."""

from .account import account_detail
from .certificates import certificate_download, certificate_public, my_certificates
from .home import home
from .journal import journal, journal_csv
from .live import live_stream
from .statistics import account_statistics
from .violations import failure, violation_detail

__all__ = [
    "account_detail",
    "account_statistics",
    "certificate_download",
    "certificate_public",
    "failure",
    "home",
    "journal",
    "journal_csv",
    "live_stream",
    "my_certificates",
    "violation_detail",
]
