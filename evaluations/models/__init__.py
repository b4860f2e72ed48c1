from .accounts import (
    APPROVE_BALANCE_OPERATION_PERMISSION,
    AccountStatus,
    BalanceOperation,
    BalanceOperationKind,
    BalanceOperationStatus,
    TradingAccount,
)
from .aliases import AccountAlias
from .certificates import Certificate, CertificateKind
from .programs import Phase, PhaseKind, Platform, Program, Rule, RuleSet
from .trading import EquitySnapshot, ImportBatch, ImportSource, ImportStatus, Side, Trade

__all__ = [
    "AccountAlias",
    "APPROVE_BALANCE_OPERATION_PERMISSION",
    "AccountStatus",
    "BalanceOperation",
    "BalanceOperationKind",
    "BalanceOperationStatus",
    "Certificate",
    "CertificateKind",
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
