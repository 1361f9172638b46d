from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "ticketflower.observability"
    label = "observability"

    def ready(self) -> None:
        from ticketflower.observability.logs import configure_structlog

        configure_structlog()
