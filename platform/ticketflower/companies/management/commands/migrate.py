"""`migrate`: django-tenants' migrate of every schema, plus the template schema.

Keeping the template migrated here is what makes new tenants a fast clone. A plain
`migrate` (every schema, no app or target named) runs migrations only for the companies
whose schemas are behind (companies/migration_state.py): with nothing to do it no longer
loads and checks every schema in turn.
"""

from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate import Command as TenantsMigrateCommand
from django_tenants.migration_executors import get_executor
from django_tenants.utils import get_public_schema_name

# Options that ask for django-tenants' own path (one schema, a target, a plan, a check...).
_GENERAL = ("schema_name", "app_label", "migration_name", "plan", "check_unapplied", "fake",
            "fake_initial", "prune")  # fmt: skip


class Command(TenantsMigrateCommand):
    def handle(self, *args, **options):
        if any(options.get(key) for key in _GENERAL):
            super().handle(*args, **options)
        else:
            self._migrate_what_is_behind(*args, **options)
        from ticketflower.companies.provisioning import ensure_public_tenant, migrate_template

        migrate_template(
            verbosity=options.get("verbosity", 1) - 1 if options.get("verbosity") else 0
        )
        ensure_public_tenant()

    def _migrate_what_is_behind(self, *args, **options):
        from tenants.models import Company
        from ticketflower.companies.migration_state import schemas_behind

        # SyncCommon's handle reads the options (shared/tenant, executor) into self.
        SyncCommon.handle(self, *args, **options)
        public = get_public_schema_name()
        executor = get_executor(codename=self.executor)(self.args, self.options)
        if self.sync_public:
            executor.run_migrations(tenants=[public])
        if self.sync_tenant:
            schemas = list(
                Company.objects.exclude(schema_name=public)
                .order_by("schema_name")
                .values_list("schema_name", flat=True)
            )
            behind = schemas_behind(schemas)
            if behind:
                executor.run_migrations(tenants=behind)
            if options.get("verbosity", 1):
                self.stdout.write(
                    f"{len(schemas) - len(behind)} of {len(schemas)} companies were at the "
                    "latest migrations already"
                )
