"""App config of workflow runs (a tenant app: one set of tables per company)."""

from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "ticketflower.runs"
    label = "runs"
    verbose_name = "Workflow runs"
    default_auto_field = "django.db.models.BigAutoField"
