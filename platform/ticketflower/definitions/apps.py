"""App config of the workflow definitions (a tenant app: one set of tables per company)."""

from django.apps import AppConfig


class DefinitionsConfig(AppConfig):
    name = "ticketflower.definitions"
    label = "definitions"
    verbose_name = "Workflow definitions"
    default_auto_field = "django.db.models.BigAutoField"
