"""A JSON parser that enforces the body size limit while reading (chunked bodies included)."""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from ticketflower.api.errors import RequestTooLarge


class LimitedJSONParser(JSONParser):
    """Reads at most MAX_JSON_BODY_BYTES; rejects NaN/Infinity, which are not JSON."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.MAX_JSON_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(limit)
        if not raw:
            raise ParseError("The request body is empty; a JSON document was expected.")
        try:
            return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except RecursionError:
            raise ParseError("JSON parse error: nested too deeply.") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error: {exc}") from None


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")
