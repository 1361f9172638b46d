"""Which companies' schemas are behind the code's migrations, read for all of them at
once: a `migrate` with nothing to do then costs one query per 200 companies instead of a
full migration run per company (django-tenants' cost; docs/benchmarks.md)."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader

_CHUNK = 200


def tenant_migrations() -> set[tuple[str, str]]:
    """Every migration of the tenant apps, as (app label, name)."""
    names = set(settings.TENANT_APPS)
    labels = {config.label for config in apps.get_app_configs() if config.name in names}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {(app, name) for app, name in loader.graph.nodes if app in labels}


def schemas_behind(schemas: list[str]) -> list[str]:
    """The schemas (in the given order) that lack a migration of the tenant apps."""
    wanted = tenant_migrations()
    quote = connection.ops.quote_name
    applied: dict[str, set[tuple[str, str]]] = {schema: set() for schema in schemas}

    def read(chunk: list[str]) -> list[tuple[str, str, str]]:
        sql = " UNION ALL ".join(
            f"SELECT %s, app, name FROM {quote(schema)}.django_migrations" for schema in chunk
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, chunk)
            return cursor.fetchall()

    for start in range(0, len(schemas), _CHUNK):
        chunk = schemas[start : start + _CHUNK]
        try:
            rows = read(chunk)
        except DatabaseError:  # a schema without its table: read them one by one
            rows = []
            for schema in chunk:
                try:
                    rows += read([schema])
                except DatabaseError:
                    pass  # nothing applied: it is behind
        for schema, app, name in rows:
            applied[schema].add((app, name))
    return [schema for schema in schemas if not wanted <= applied[schema]]
