"""What the platforms report: closed trades, equity snapshots, and the import that brought them."""

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import F

from .accounts import TradingAccount
from .programs import MONEY

PRICE = {"max_digits": 20, "decimal_places": 8}
VOLUME = {"max_digits": 14, "decimal_places": 4}


class ImportSource(models.TextChoices):
    CLI = "cli", "Command line"
    ADMIN = "admin", "Admin upload"
    API = "api", "Bridge API"


class ImportStatus(models.TextChoices):
    # An admin upload waits for a worker (queued), is imported (running), then ends like any
    # import: committed, partial or rejected. CLI and API imports are never queued.
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMMITTED = "committed", "Committed"
    PARTIAL = "partial", "Committed good rows only"
    REJECTED = "rejected", "Rejected (nothing written)"


FINISHED_IMPORT_STATUSES = (ImportStatus.COMMITTED, ImportStatus.PARTIAL, ImportStatus.REJECTED)


def import_upload_path(batch: "ImportBatch", filename: str) -> str:
    """Where an admin upload waits for its worker, under MEDIA_ROOT: a random name, so nothing
    the uploader chose (name, extension) reaches the file system; the batch keeps the name."""
    return f"imports/{uuid4().hex}.upload"


class ImportBatch(models.Model):
    """One import of trades or snapshots: who, what, counts, and every rejected row."""

    source = models.CharField(max_length=8, choices=ImportSource.choices)
    format = models.CharField(max_length=16)
    filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    account = models.ForeignKey(
        TradingAccount,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Set for single-account files",
    )
    broker_tz = models.CharField(
        max_length=255,
        default="UTC",
        blank=True,
        help_text="The zone the file's times were read in (empty while queued: the account's), "
        "or 'per account: Sim101 Europe/Berlin, …' for a file of accounts in several zones",
    )
    encoding = models.CharField(
        max_length=32, blank=True, help_text="The text encoding the file was read in"
    )
    warnings = models.JSONField(
        default=list,
        blank=True,
        help_text="What the importer noticed besides rejected rows: a zone fallen back to "
        "UTC, a detected encoding, balance rows not imported as trades",
    )
    balance_rows = models.BooleanField(
        default=False,
        help_text="Import the file's deposit, withdrawal and credit rows as balance operations",
    )
    partial = models.BooleanField(default=False, help_text="Commit good rows even if some are bad")
    status = models.CharField(max_length=10, choices=ImportStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    duration_ms = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text='[{"line": 12, "column": "profit", "reason": "…"}]'
    )
    date_order = models.CharField(
        max_length=4, default="auto", help_text="auto, dmy or mdy: how the file's dates read"
    )
    skip_other_accounts = models.BooleanField(
        default=False, help_text="With an account given: skip rows of other accounts"
    )
    accounts = models.JSONField(
        default=dict,
        blank=True,
        help_text='Per account: {"login": {"rows": 12, "new": 3, "net": "-41.00"}}',
    )
    skipped = models.JSONField(
        default=dict, blank=True, help_text='Rows of other accounts skipped: {"Sim101": 4}'
    )
    upload = models.FileField(
        upload_to=import_upload_path,
        max_length=255,
        blank=True,
        help_text="An admin upload waiting for its worker; emptied once it has been imported",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"Import #{self.pk} {self.format} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        """The import has its outcome (no worker will touch it again)."""
        return self.status in FINISHED_IMPORT_STATUSES


class Side(models.TextChoices):
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"


class Trade(models.Model):
    """A closed position. Net = profit + commission + swap + fees (costs are negative)."""

    # No index of its own: the unique (account, ticket) constraint leads with the account.
    account = models.ForeignKey(
        TradingAccount, on_delete=models.CASCADE, related_name="trades", db_index=False
    )
    ticket = models.CharField(max_length=64, help_text="Platform ticket, unique per account")
    symbol = models.CharField(max_length=32)
    side = models.CharField(max_length=4, choices=Side.choices)
    volume = models.DecimalField(**VOLUME)
    open_time = models.DateTimeField()
    open_price = models.DecimalField(**PRICE)
    close_time = models.DateTimeField()
    close_price = models.DecimalField(**PRICE)
    stop_loss = models.DecimalField(
        **PRICE,
        null=True,
        blank=True,
        help_text="Stop-loss price at the open; 0 = none set, empty = unknown (not reported)",
    )
    take_profit = models.DecimalField(
        **PRICE,
        null=True,
        blank=True,
        help_text="Take-profit price; 0 = none set, empty = unknown (not reported)",
    )
    commission = models.DecimalField(**MONEY, default=0)
    swap = models.DecimalField(**MONEY, default=0)
    fees = models.DecimalField(**MONEY, default=0)
    profit = models.DecimalField(**MONEY)
    net = models.GeneratedField(
        expression=F("profit") + F("commission") + F("swap") + F("fees"),
        output_field=models.DecimalField(**MONEY),
        db_persist=True,
    )
    # Provenance only: no index and no database constraint (saves a trigger per imported
    # row); Django still applies on_delete=SET_NULL when a batch is deleted through the ORM.
    import_batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trades",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        ordering = ["account", "close_time", "ticket"]
        constraints = [
            models.UniqueConstraint(fields=["account", "ticket"], name="trade_ticket_unique"),
            models.CheckConstraint(condition=models.Q(volume__gt=0), name="trade_volume_positive"),
            models.CheckConstraint(
                condition=models.Q(close_time__gte=F("open_time")), name="trade_closes_after_open"
            ),
        ]
        # Kept few on purpose (each index is paid on every imported row): per-account reads
        # go through (account, ticket) and (account, close_time). Firm-wide time-range scans
        # (hedging, news, daily report) use a BRIN index on (open_time, close_time), tiny and
        # cheap to maintain as trades arrive roughly in time order; it is PostgreSQL-only, so
        # migration 0003_trade_lean_indexes creates it there and it is not declared here.
        indexes = [models.Index(fields=["account", "close_time"])]

    def __str__(self) -> str:
        return f"#{self.ticket} {self.side} {self.volume} {self.symbol}"


class EquitySnapshot(models.Model):
    """(time, balance, equity) pushed by a platform bridge: the only source of floating P&L."""

    account = models.ForeignKey(
        TradingAccount, on_delete=models.CASCADE, related_name="equity_snapshots"
    )
    time = models.DateTimeField()
    balance = models.DecimalField(**MONEY)
    equity = models.DecimalField(**MONEY)
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="snapshots"
    )

    class Meta:
        ordering = ["account", "time"]
        constraints = [
            models.UniqueConstraint(fields=["account", "time"], name="snapshot_time_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.account.login} @ {self.time:%Y-%m-%d %H:%M}: equity {self.equity}"
