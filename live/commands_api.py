"""Bridge command endpoints (mounted at /api/live/): fetch commands by long poll, acknowledge
them. The protocol a bridge follows is docs/bridges.md.

Auth: the bridge's DRF token (`manage.py create_bridge NAME --platform mt5`); the token's user
must be an active `Bridge`, and sees only its own commands (another bridge's is a 404).
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from evaluations.models import Bridge, PlatformCommand
from evaluations.models.accounts import LOGIN_MAX_LENGTH
from evaluations.services import commands
from imports.json_body import DecimalJSONParser

from .command_wait import wait_for_commands

MAX_WAIT_SECONDS = 25
MAX_LIMIT = 500
MAX_RESULT_BYTES = 16 * 1024


def bridge_of_user(user) -> Bridge | None:
    """The active bridge whose API user `user` is, else None."""
    if not (user and user.is_authenticated):
        return None
    return Bridge.objects.filter(user=user, active=True).first()


class IsActiveBridge(BasePermission):
    message = (
        "This token does not belong to an active platform bridge: create one with "
        "`manage.py create_bridge NAME --platform mt5`, or ask an admin to activate it."
    )

    def has_permission(self, request, view) -> bool:
        request.bridge = bridge_of_user(request.user)
        return request.bridge is not None


class PollSerializer(serializers.Serializer):
    wait = serializers.FloatField(
        min_value=0,
        max_value=MAX_WAIT_SECONDS,
        default=0,
        help_text="Seconds to wait for a command when none is due (long poll), 0 to 25",
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_LIMIT, default=100, help_text="Most commands to return"
    )


class CommandSerializer(serializers.ModelSerializer):
    login = serializers.CharField(source="account.login", read_only=True)

    class Meta:
        model = PlatformCommand
        fields = (
            "id",
            "kind",
            "account_id",
            "login",
            "status",
            "reason",
            "payload",
            "issued_at",
            "breach_ts",
            "delivered_at",
            "lease_until",
            "attempts",
            "done_at",
            "result",
        )
        read_only_fields = fields


class CommandListSerializer(serializers.Serializer):
    commands = CommandSerializer(many=True)


class AckSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="true: carried out; false: it could not be")
    result = serializers.JSONField(
        default=dict,
        encoder=DjangoJSONEncoder,
        help_text='What the bridge reports, e.g. {"login": "5012345"} for create_account, '
        '{"error": "…"} for a failure',
    )

    def validate_result(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        # Numbers come in as Decimal (no float): stored as their text.
        value = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
        if len(json.dumps(value)) > MAX_RESULT_BYTES:
            raise serializers.ValidationError(f"Must be at most {MAX_RESULT_BYTES} bytes.")
        if "login" in value:
            value["login"] = self._login(value["login"])
        return value

    @staticmethod
    def _login(login) -> str:
        """The platform's login: text, or an integer (MT5 logins are numbers)."""
        if isinstance(login, int) and not isinstance(login, bool):
            login = str(login)
        if not isinstance(login, str) or not login.strip():
            raise serializers.ValidationError(
                {"login": ["Must be a non-empty string or an integer."]}
            )
        if len(login.strip()) > LOGIN_MAX_LENGTH:
            raise serializers.ValidationError(
                {"login": [f"Must be at most {LOGIN_MAX_LENGTH} characters."]}
            )
        return login.strip()


ERRORS = OpenApiResponse(
    {"type": "object", "additionalProperties": True},
    description="field name (or `detail`) → what is wrong with it",
)


class _BridgeView(APIView):
    # Token only: a browser session never acts as a bridge (as /api/bridge/).
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsActiveBridge]
    parser_classes = [DecimalJSONParser]


class CommandListView(_BridgeView):
    """Fetch the bridge's due commands (long poll)."""

    @extend_schema(
        operation_id="live_commands",
        parameters=[PollSerializer],
        responses={
            200: CommandListSerializer,
            400: ERRORS,
            403: OpenApiResponse(description="the token's user is not an active bridge"),
        },
        tags=["bridge"],
        description="Commands for the caller's accounts that are due: newly issued, or handed "
        "out before and not acknowledged within the lease (COMMAND_LEASE_SECONDS). With none "
        "due, waits up to `wait` seconds for one. Each returned command is leased to the "
        "caller; acknowledge it with POST commands/{id}/ack/. Per account, commands come in "
        "the order they were issued.",
    )
    def get(self, request):
        params = PollSerializer(data=request.query_params)
        if not params.is_valid():
            return Response(params.errors, status=status.HTTP_400_BAD_REQUEST)
        claimed = wait_for_commands(
            request.bridge,
            wait=params.validated_data["wait"],
            limit=params.validated_data["limit"],
        )
        return Response({"commands": CommandSerializer(claimed, many=True).data})


class CommandAckView(_BridgeView):
    """Acknowledge a command: done or failed."""

    @extend_schema(
        operation_id="live_command_ack",
        request=AckSerializer,
        responses={
            200: CommandSerializer,
            400: ERRORS,
            403: OpenApiResponse(description="the token's user is not an active bridge"),
            404: OpenApiResponse(description="no such command for this bridge"),
            409: OpenApiResponse(
                description="already acknowledged with the other outcome, or never handed out"
            ),
        },
        tags=["bridge"],
        description="Report what became of a command. Acknowledging again with the same "
        "outcome is harmless (200, nothing changes). For create_account, `result.login` is "
        "the login the platform created the account with.",
    )
    def post(self, request, command_id: int):
        body = AckSerializer(data=request.data)
        if not body.is_valid():
            return Response(body.errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            command = commands.acknowledge(
                request.bridge,
                command_id,
                ok=body.validated_data["ok"],
                result=body.validated_data["result"],
            )
        except commands.CommandNotFound as error:
            return Response({"detail": str(error)}, status=status.HTTP_404_NOT_FOUND)
        except commands.CommandConflict as error:
            return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
        return Response(CommandSerializer(command).data)
