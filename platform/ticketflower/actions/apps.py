from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "ticketflower.actions"
    label = "actions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Plugins reach the platform only through the host seam (plugins/host.py). The one
        # host installed is this app's: the runs host plus what HTTP actions need.
        from plugins.host import install_host
        from ticketflower.actions.host import PlatformHost

        install_host(PlatformHost())
        # Actors are declared on import; the broker (tenant middleware included) first.
        import ticketflower.workers.broker  # noqa: F401
