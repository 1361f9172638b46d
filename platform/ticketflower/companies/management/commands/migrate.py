"""`migrate`: django-tenants' migrate of every schema, plus the template schema.

Keeping the template migrated here is what makes new tenants a fast clone.
"""

from django_tenants.management.commands.migrate import Command as TenantsMigrateCommand


class Command(TenantsMigrateCommand):
    def handle(self, *args, **options):
        super().handle(*args, **options)
        from ticketflower.companies.provisioning import ensure_public_tenant, migrate_template

        migrate_template(
            verbosity=options.get("verbosity", 1) - 1 if options.get("verbosity") else 0
        )
        ensure_public_tenant()
