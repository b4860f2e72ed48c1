"""How every API request body is read (security finding 11).

- JSON numbers are read as `Decimal` from their text, never through float: `999999999999999.99`
  stays exactly that (the float path stored `1000000000000000.00`).
- A body larger than `API_MAX_BODY_BYTES` (default 10 MiB; a batch of 10,000 trades is about
  3 MiB) is refused with 413 before it is parsed, whether it declares its length or is sent
  chunked; Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not apply to DRF's parsers, which read
  the stream themselves.

`REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]` names the parser, so every API view gets it.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"


def max_body_bytes() -> int:
    return int(getattr(settings, "API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))


def _refusal(limit: int) -> BodyTooLarge:
    return BodyTooLarge(f"The request body exceeds {limit:,} bytes; send smaller batches.")


class DecimalJSONParser(JSONParser):
    """JSON with numbers as Decimal and a bounded body."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = max_body_bytes()
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise _refusal(limit)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise _refusal(limit)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(raw.decode(encoding), parse_float=Decimal)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
