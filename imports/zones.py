"""Which zone a file's times are read in, account by account.

No MT4/MT5/NinjaTrader file states its zone. When the import chose none, each row is read in
the server zone of the account it names (`TradingAccount.server_tz`, by login or alias), else
in UTC; `AccountZones` hands the zones out and remembers which it handed to whom, so the
batch states the zone(s) used and warns once for each account read as UTC.
"""

from __future__ import annotations

import datetime as dt

from .values import UTC, zone

# How the batch states the zones of a file whose accounts were read in different ones.
PER_ACCOUNT = "per account: "


class AccountZones:
    """The zones of the accounts a file may name: name (login or alias) -> (login, zone name,
    empty when the account has none)."""

    def __init__(self, accounts: dict[str, tuple[str, str]]) -> None:
        self._accounts = accounts
        self._zones: dict[str, dt.tzinfo] = {}
        self.used: dict[str, str] = {}  # login -> zone name its rows were read in
        self.fallen_back: set[str] = set()  # logins read as UTC for want of a zone

    def zone_for(self, name: str) -> dt.tzinfo:
        """The zone of the account named `name`; UTC for an unknown name (its rows are
        refused as an unknown account, so nothing is read in it)."""
        account = self._accounts.get(name)
        if account is None:
            return UTC
        login, zone_name = account
        if login not in self.used:
            self.used[login] = zone_name or "UTC"
            if not zone_name:
                self.fallen_back.add(login)
        tz = self._zones.get(zone_name)
        if tz is None:
            tz = self._zones[zone_name] = zone(zone_name)
        return tz

    def stated(self, limit: int) -> str:
        """The zone(s) used, as the batch stores them (at most `limit` characters): one zone
        name, or `per account: Sim101 Europe/Berlin, APEX-1 America/Chicago`."""
        zones = set(self.used.values())
        if len(zones) <= 1:
            return zones.pop() if zones else "UTC"
        listed = PER_ACCOUNT + ", ".join(f"{login} {tz}" for login, tz in sorted(self.used.items()))
        return listed if len(listed) <= limit else listed[: limit - 1] + "…"

    def warnings(self) -> list[str]:
        return [
            f"times read as UTC: account {login} has no server time zone (set it on the "
            "account, or choose the zone of the import)"
            for login in sorted(self.fallen_back)
        ]
