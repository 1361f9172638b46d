"""Pages of every list endpoint."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """`?limit=&offset=`, 50 rows by default and at most 1,000: a larger `limit` is cut to
    it (without a cap, `limit` above 2**63 - 1 reached PostgreSQL as an out-of-range
    bigint, a 500, and `limit=1000000` read a whole table in one request)."""

    max_limit = 1000
