"""App config of workflow runs (a tenant app: one set of tables per company)."""

from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "ticketflower.runs"
    label = "runs"
    verbose_name = "Workflow runs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Plugins reach the platform only through the host seam (plugins/host.py).
        from plugins.host import install_host
        from ticketflower.runs.host import PlatformHost

        install_host(PlatformHost())
