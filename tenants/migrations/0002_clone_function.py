"""Install tf_clone_schema() in the public schema (see tenants/clone_sql.py)."""

from django.db import migrations

from tenants.clone_sql import CLONE_FUNCTION_SQL, DROP_FUNCTION_SQL


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [migrations.RunSQL(CLONE_FUNCTION_SQL, DROP_FUNCTION_SQL)]
