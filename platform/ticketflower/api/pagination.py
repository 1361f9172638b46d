"""Pages of every list endpoint."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """`?limit=&offset=`, 50 rows by default and at most 1,000: a larger `limit` is cut to
    it (without a cap, `limit` above 2**63 - 1 reached PostgreSQL as an out-of-range
    bigint, a 500, and `limit=1000000` read a whole table in one request)."""

    max_limit = 1000

    def get_limit(self, request):
        self._check(request, self.limit_query_param, minimum=1)
        return super().get_limit(request)

    def get_offset(self, request):
        self._check(request, self.offset_query_param, minimum=0)
        return super().get_offset(request)

    def get_schema_operation_parameters(self, view):
        """The bounds the server checks, said in the schema."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"]["minimum"] = 1  # larger than max_limit: cut to it
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"]["minimum"] = 0
        return parameters

    @staticmethod
    def _check(request, name: str, minimum: int) -> None:
        """A page parameter that is not a whole number is refused (it was ignored)."""
        raw = request.query_params.get(name)
        if raw is None:
            return
        if not raw.isdigit() or int(raw) < minimum:
            what = "a positive" if minimum else "a non-negative"
            raise ValidationError({name: [f"Must be {what} whole number, not {raw[:20]!r}."]})
