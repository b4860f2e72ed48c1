from .accounts import AccountStatus, BalanceOperation, BalanceOperationKind, TradingAccount
from .programs import Phase, PhaseKind, Platform, Program, Rule, RuleSet
from .trading import EquitySnapshot, ImportBatch, ImportSource, ImportStatus, Side, Trade

__all__ = [
    "AccountStatus",
    "BalanceOperation",
    "BalanceOperationKind",
    "EquitySnapshot",
    "ImportBatch",
    "ImportSource",
    "ImportStatus",
    "Phase",
    "PhaseKind",
    "Platform",
    "Program",
    "Rule",
    "RuleSet",
    "Side",
    "Trade",
    "TradingAccount",
]
