import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("definitions", "0005_fields_schema_written_order")]

    operations = [
        migrations.AddField(
            model_name="taskdefinition",
            name="callback_timeout_seconds",
            field=models.PositiveIntegerField(
                blank=True, null=True, validators=[django.core.validators.MinValueValidator(1)]
            ),
        ),
    ]
