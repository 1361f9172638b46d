"""A JSON parser that enforces the body size limit while reading (chunked bodies included)
and refuses strings PostgreSQL cannot store."""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from ticketflower.api.errors import ProblemError, RequestTooLarge
from ticketflower.postgresql.text import text_problems


class LimitedJSONParser(JSONParser):
    """Reads at most MAX_JSON_BODY_BYTES; rejects NaN/Infinity, which are not JSON, and
    strings no column can hold (NUL, unpaired surrogates): 400 with their pointers. A view
    with `parser_allows_nul = True` receives NUL: it checks what it keeps itself."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.MAX_JSON_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(limit)
        if not raw:
            raise ParseError("The request body is empty; a JSON document was expected.")
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except RecursionError:
            raise ParseError("JSON parse error: nested too deeply.") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error: {exc}") from None
        # Unpaired surrogates are refused everywhere: no answer could even quote them back
        # (it must be UTF-8). NUL only where something may be stored.
        view = (parser_context or {}).get("view")
        problems = text_problems(data, nul=not getattr(view, "parser_allows_nul", False))
        if problems:
            raise ProblemError("The request holds text that cannot be stored.", problems)
        return data


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def json_body(request) -> object:
    """The request's JSON document; an empty body is a parse_error (DRF hands views an
    empty dict for it, which endpoints that judge a document would answer 200)."""
    if request.stream is None:
        raise ParseError("The request body is empty; a JSON document was expected.")
    return request.data
