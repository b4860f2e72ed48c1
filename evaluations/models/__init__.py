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
from .platform import Bridge, CommandKind, CommandStatus, PlatformCommand
from .programs import (
    Enforcement,
    Phase,
    PhaseKind,
    Platform,
    Program,
    Rule,
    RuleSet,
    effective_enforcement,
)
from .trading import EquitySnapshot, ImportBatch, ImportSource, ImportStatus, Side, Trade

__all__ = [
    "AccountAlias",
    "APPROVE_BALANCE_OPERATION_PERMISSION",
    "AccountStatus",
    "BalanceOperation",
    "BalanceOperationKind",
    "BalanceOperationStatus",
    "Bridge",
    "CommandKind",
    "CommandStatus",
    "Enforcement",
    "effective_enforcement",
    "PlatformCommand",
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
