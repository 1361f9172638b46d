"""The API tokens issued before tokens expired (DRF's, keys in clear) keep working: each
becomes an ApiToken (its key hashed), valid for the usual time from now."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def carry_over(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("accounts", "ApiToken")
    expires = timezone.now() + timedelta(seconds=settings.TOKEN_TTL_SECONDS)
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=token.user_id,
            key_hash=hashlib.sha256(token.key.encode()).hexdigest(),
            prefix=token.key[:8],
            name="issued before tokens expired",
            expires_at=expires,
        )
        for token in Token.objects.all()
    )
    Token.objects.all().delete()  # the keys in clear go


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(carry_over, migrations.RunPython.noop)]
