"""Bridge API shapes. Items are validated by `imports.items` (the same rules as
the canonical CSV, with per-item errors); these serializers check the envelope and document
the payload in the OpenAPI schema."""

from django.core.serializers.json import DjangoJSONEncoder
from rest_framework import serializers

MAX_ITEMS = 10_000
IN_WINDOW = "ISO 8601 (naive = UTC), from 2000-01-01T00:00:00Z to now + 5 min (the default)"


class TradeItemSerializer(serializers.Serializer):
    """One closed trade. Money and prices as decimal strings; times ISO 8601 (naive = UTC)."""

    account = serializers.CharField(help_text="platform login of the account")
    ticket = serializers.CharField(max_length=64, help_text="platform ticket, unique per account")
    symbol = serializers.CharField(max_length=32)
    side = serializers.ChoiceField(choices=["buy", "sell"])
    volume = serializers.DecimalField(max_digits=14, decimal_places=4, coerce_to_string=True)
    open_time = serializers.DateTimeField(help_text=IN_WINDOW)
    open_price = serializers.DecimalField(max_digits=20, decimal_places=8)
    close_time = serializers.DateTimeField(help_text=f"{IN_WINDOW}; not before open_time")
    close_price = serializers.DecimalField(max_digits=20, decimal_places=8)
    commission = serializers.DecimalField(max_digits=18, decimal_places=2, required=False)
    swap = serializers.DecimalField(max_digits=18, decimal_places=2, required=False)
    fees = serializers.DecimalField(max_digits=18, decimal_places=2, required=False)
    profit = serializers.DecimalField(max_digits=18, decimal_places=2)
    stop_loss = serializers.DecimalField(
        max_digits=20,
        decimal_places=8,
        required=False,
        allow_null=True,
        help_text="stop-loss price at the open; 0 = none set; absent = unknown",
    )
    take_profit = serializers.DecimalField(
        max_digits=20, decimal_places=8, required=False, allow_null=True
    )
    client_ip = serializers.IPAddressField(
        required=False,
        help_text="the trader's client IP as the platform saw it, if known (abuse detection)",
    )


class SnapshotItemSerializer(serializers.Serializer):
    """One equity snapshot: (time, balance, equity) of an account."""

    account = serializers.CharField(help_text="platform login of the account")
    time = serializers.DateTimeField(help_text=IN_WINDOW)
    balance = serializers.DecimalField(max_digits=18, decimal_places=2)
    equity = serializers.DecimalField(max_digits=18, decimal_places=2)


def storable_text(value) -> None:
    """Every string in the items (keys too) must be text PostgreSQL can store: no NUL
    character and no lone surrogate (JSON allows both; storing them is a database error)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise serializers.ValidationError("text must not contain NUL (\\u0000) characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise serializers.ValidationError(
                "text must be valid Unicode (no lone surrogates)"
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            storable_text(key)
            storable_text(item)
    elif isinstance(value, list):
        for item in value:
            storable_text(item)


class _Envelope(serializers.Serializer):
    partial = serializers.BooleanField(
        default=False, help_text="commit the good items even if some are bad"
    )


class TradeBatchSerializer(_Envelope):
    trades = serializers.ListField(
        child=serializers.JSONField(encoder=DjangoJSONEncoder),  # numbers arrive as Decimal
        min_length=1,
        max_length=MAX_ITEMS,
        validators=[storable_text],
    )


class SnapshotBatchSerializer(_Envelope):
    snapshots = serializers.ListField(
        child=serializers.JSONField(encoder=DjangoJSONEncoder),  # numbers arrive as Decimal
        min_length=1,
        max_length=MAX_ITEMS,
        validators=[storable_text],
    )


class TradeBatchDocSerializer(_Envelope):
    trades = TradeItemSerializer(many=True)


class SnapshotBatchDocSerializer(_Envelope):
    snapshots = SnapshotItemSerializer(many=True)


class ItemErrorSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text="index of the item in the list (0-based)")
    column = serializers.CharField()
    reason = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    """What an import did: its ImportBatch id, status, counts and per-item errors."""

    batch = serializers.IntegerField(source="pk")
    status = serializers.CharField()
    message = serializers.CharField()
    total = serializers.IntegerField(source="rows_total")
    new = serializers.IntegerField(source="rows_new")
    updated = serializers.IntegerField(source="rows_updated")
    unchanged = serializers.IntegerField(source="rows_unchanged")
    rejected = serializers.IntegerField(source="rows_rejected")
    errors = ItemErrorSerializer(many=True)
