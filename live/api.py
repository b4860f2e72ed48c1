"""The live feed: platform bridges push equity ticks and open-position sets for their accounts.

    POST /api/live/ticks/      {"ticks": [{account, time, balance, equity}, …]}
    POST /api/live/positions/  {"positions": [{account, time, positions: [{id, symbol, side,
                                volume, open_time, open_price, profit}, …]}, …]}

One request may carry items for thousands of accounts. Each item is checked on its own: an item
that is malformed, outside the time window, for an unknown account, for an account of another
bridge or from before the account started is refused with its index and reason, and the rest are
accepted (202; 400 when none is). Accepted items go on the shard streams the monitor processes
read (`live.publish`); re-sending a request changes nothing (a monitor ignores a tick not newer
than the account's last one, and stores an older one as late). Redis down: 503 within a second,
nothing accepted, so the bridge retries the request.
"""

from __future__ import annotations

import time

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from . import feed, publish, state
from .accounts import bridge_accounts


class IsActiveBridge(BasePermission):
    message = "Only an active platform bridge may use the live API (manage.py create_bridge)."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        bridge = getattr(user, "bridge", None)
        return bool(bridge and bridge.active)


class FeedThrottle(UserRateThrottle):
    scope = "live_feed"


class RefusedItemSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    reason = serializers.CharField()


class FeedResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="items put on the monitors' streams")
    refused = RefusedItemSerializer(many=True)


class TickDocSerializer(serializers.Serializer):
    account = serializers.CharField(help_text="the platform login (or an alias)")
    time = serializers.DateTimeField(help_text="ISO 8601 with offset; one tick per second")
    balance = serializers.DecimalField(max_digits=20, decimal_places=2, coerce_to_string=True)
    equity = serializers.DecimalField(max_digits=20, decimal_places=2, coerce_to_string=True)


class TickBatchDocSerializer(serializers.Serializer):
    ticks = TickDocSerializer(many=True)


class PositionDocSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="the platform's position id (ticket)")
    symbol = serializers.CharField()
    side = serializers.ChoiceField(choices=["buy", "sell"])
    volume = serializers.DecimalField(max_digits=20, decimal_places=4, coerce_to_string=True)
    open_time = serializers.DateTimeField()
    open_price = serializers.DecimalField(max_digits=24, decimal_places=8, coerce_to_string=True)
    profit = serializers.DecimalField(
        max_digits=20, decimal_places=2, coerce_to_string=True, help_text="floating P&L"
    )


class PositionSetDocSerializer(serializers.Serializer):
    account = serializers.CharField()
    time = serializers.DateTimeField()
    positions = PositionDocSerializer(many=True, help_text="every open position (full set)")


class PositionBatchDocSerializer(serializers.Serializer):
    positions = PositionSetDocSerializer(many=True)


def _window() -> feed.Window:
    now = int(time.time())
    return feed.Window(
        earliest=now - settings.LIVE_TICK_MAX_AGE_SECONDS,
        latest=now + settings.LIVE_TICK_FUTURE_SECONDS,
    )


class _FeedView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsActiveBridge]
    throttle_classes = [FeedThrottle]
    kind = ""  # the envelope's list: "ticks" | "positions"
    # (index, item, window) -> the item read, or feed.Refused; (account_id, item, received_ms)
    # -> the item's row on its shard stream (live.publish)
    read = staticmethod(feed.read_tick)
    row = staticmethod(feed.tick_row)

    def post(self, request):
        items = request.data.get(self.kind) if isinstance(request.data, dict) else None
        if not isinstance(items, list) or not items:
            return _bad({self.kind: ["A non-empty list is required."]})
        if len(items) > settings.LIVE_MAX_ITEMS:
            return _bad({self.kind: [f"At most {settings.LIVE_MAX_ITEMS:,} items a request."]})
        window = _window()
        read, refused = [], []
        for index, item in enumerate(items):
            try:
                read.append(self.read(index, item, window))
            except feed.Refused as error:
                refused.append({"index": index, "reason": str(error)})
        accounts = bridge_accounts(request.user.bridge, {r.login for r in read})
        received_ms = int(time.time() * 1000)
        rows = []
        for r in read:
            account = accounts.get(r.login)
            reason = account.refusal(r.ts) if account else f"unknown account {r.login!r}"
            if reason:
                refused.append({"index": r.index, "reason": reason})
            else:
                rows.append((account.id, self.row(account.id, r, received_ms)))
        if rows:
            try:
                publish.publish(self.kind, rows)
            except state.REDIS_ERRORS:
                return Response(
                    {"detail": "The live feed is unavailable; retry the same request."},
                    status=status.HTTP_503_SERVICE_UNAVAILABLE,
                    headers={"Retry-After": "1"},
                )
        refused.sort(key=lambda r: r["index"])
        body = {"accepted": len(rows), "refused": refused}
        return Response(body, status=status.HTTP_202_ACCEPTED if rows else 400)


def _bad(errors: dict) -> Response:
    return Response(errors, status=status.HTTP_400_BAD_REQUEST)


# A 400 is either a request whose items were all refused (FeedResult) or a bad envelope
# (field → messages, e.g. {"ticks": ["A non-empty list is required."]}).
BAD_ENVELOPE = {
    "type": "object",
    "description": "field name (or `detail`) → what is wrong with it",
    "additionalProperties": {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
    },
}
_RESPONSES = {
    202: FeedResultSerializer,
    400: OpenApiResponse(
        {"anyOf": [{"$ref": "#/components/schemas/FeedResult"}, BAD_ENVELOPE]},
        description="no item accepted (FeedResult), or a malformed request",
    ),
    403: OpenApiResponse(description="not an active bridge"),
    429: OpenApiResponse(description="more requests than LIVE_THROTTLE allows; retry later"),
    503: OpenApiResponse(description="the live feed's Redis is down; retry the same request"),
}


class TickBatchView(_FeedView):
    """Equity ticks: one per account per second at most (time resolution is the second)."""

    kind = "ticks"

    @extend_schema(
        operation_id="live_push_ticks",
        request=TickBatchDocSerializer,
        responses=_RESPONSES,
        tags=["live"],
    )
    def post(self, request):
        return super().post(request)

    read = staticmethod(feed.read_tick)
    row = staticmethod(feed.tick_row)


class PositionBatchView(_FeedView):
    """Open positions: each item is an account's full set, replacing the one before."""

    kind = "positions"

    @extend_schema(
        operation_id="live_push_positions",
        request=PositionBatchDocSerializer,
        responses=_RESPONSES,
        tags=["live"],
    )
    def post(self, request):
        return super().post(request)

    read = staticmethod(feed.read_position_set)
    row = staticmethod(feed.position_set_row)
