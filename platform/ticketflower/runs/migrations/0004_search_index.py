"""A trigram index for `?q=` (runs/filters.py text_q): the search's condition,
`UPPER((state ->> 'data')::text) LIKE UPPER('%text%')`, is served by a GIN index on that
same expression instead of reading every workspace (docs/benchmarks.md, web app).

pg_trgm is a trusted extension (PostgreSQL 13+), created once per database in the
public schema, which every company's search_path includes.
"""

from django.db import migrations

INDEX = "runs_workflowinstance_data_trgm"


class Migration(migrations.Migration):
    dependencies = [("runs", "0003_ticket_fields_and_summary")]

    operations = [
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public", migrations.RunSQL.noop
        ),
        migrations.RunSQL(
            f"CREATE INDEX {INDEX} ON runs_workflowinstance"
            " USING gin (UPPER((state ->> 'data')::text) public.gin_trgm_ops)",
            f"DROP INDEX {INDEX}",
        ),
    ]
