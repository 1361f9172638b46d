"""tf_clone_schema reads the catalog by oid (tenants/clone_sql.py): creating a company no
longer slows down as companies accumulate."""

from django.db import migrations

from tenants.clone_sql import CLONE_FUNCTION_SQL


class Migration(migrations.Migration):
    dependencies = [("tenants", "0002_clone_function")]

    operations = [migrations.RunSQL(CLONE_FUNCTION_SQL, migrations.RunSQL.noop)]
