"""Bridge endpoints: platform bridges push trades and equity snapshots as JSON batches.

Auth: a DRF token per bridge (`manage.py create_bridge NAME`). Only users who may add trades
(`evaluations.add_trade`; snapshots: `evaluations.add_equitysnapshot`) can push. A batch is
one import (an ImportBatch); with a bad item nothing is written and the answer is 400 with
per-item errors, unless `partial` is true.
"""

from collections.abc import Callable

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from evaluations.models import ImportSource, ImportStatus
from imports.service import import_items, report_text

from . import serializers as s
from .json_body import DecimalJSONParser


class _CanAdd(BasePermission):
    permission = ""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(self.permission))


class CanAddTrades(_CanAdd):
    permission = "evaluations.add_trade"


class CanAddSnapshots(_CanAdd):
    permission = "evaluations.add_equitysnapshot"


# A 400 is either an import that rejected items (ImportResult with per-item errors) or a request
# that never became an import: a body that is not JSON (`detail`) or a bad envelope (DRF's field
# errors, e.g. {"trades": ["This list may not be empty."]}).
REQUEST_ERRORS = {
    "type": "object",
    "description": "field name (or `detail`) → what is wrong with it",
    "additionalProperties": {
        "anyOf": [
            {"type": "string"},
            {"type": "array", "items": {"type": "string"}},
            {"type": "object"},
        ]
    },
}
BAD_BATCH = OpenApiResponse(
    {"anyOf": [{"$ref": "#/components/schemas/ImportResult"}, REQUEST_ERRORS]},
    description="bad items (ImportResult; none written) or a malformed request",
)


class _BatchView(APIView):
    # Token first, so a request without credentials is answered 401 with `WWW-Authenticate`.
    # Bridges only: a browser session (a staff member signed in to the portal) never writes
    # trades here (security finding 2).
    authentication_classes = [TokenAuthentication]
    parser_classes = [DecimalJSONParser]  # bridges push JSON; a form body is a 415
    kind = ""
    envelope: type = s.TradeBatchSerializer

    def post(self, request):
        envelope = self.envelope(data=request.data)
        if not envelope.is_valid():
            return Response(envelope.errors, status=status.HTTP_400_BAD_REQUEST)
        batch = import_items(
            self.kind,
            envelope.validated_data[self.kind],
            user=request.user,
            partial=envelope.validated_data["partial"],
            source=ImportSource.API,
        )
        batch.message = report_text(batch)
        body = s.ImportResultSerializer(batch).data
        if batch.status == ImportStatus.REJECTED:
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(body, status=status.HTTP_201_CREATED)


def _pushed(operation_id: str, request_doc) -> Callable[[type], type]:
    """The OpenAPI description of a batch view's POST."""
    return extend_schema_view(
        post=extend_schema(
            operation_id=operation_id,
            request=request_doc,
            responses={201: s.ImportResultSerializer, 400: BAD_BATCH},
            tags=["bridge"],
        )
    )


@_pushed("bridge_push_trades", s.TradeBatchDocSerializer)
class TradeBatchView(_BatchView):
    """Push closed trades; re-sending the same trades changes nothing (all unchanged)."""

    kind = "trades"
    envelope = s.TradeBatchSerializer
    permission_classes = [CanAddTrades]


@_pushed("bridge_push_snapshots", s.SnapshotBatchDocSerializer)
class SnapshotBatchView(_BatchView):
    """Push equity snapshots (key: account and time)."""

    kind = "snapshots"
    envelope = s.SnapshotBatchSerializer
    permission_classes = [CanAddSnapshots]
