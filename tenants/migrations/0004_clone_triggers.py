"""tf_clone_schema copies the template's triggers too (the audit trail's append-only
guard: audit migration 0001)."""

from django.db import migrations

from tenants.clone_sql import CLONE_FUNCTION_SQL


class Migration(migrations.Migration):
    dependencies = [("tenants", "0003_clone_by_oid")]

    operations = [migrations.RunSQL(CLONE_FUNCTION_SQL, migrations.RunSQL.noop)]
