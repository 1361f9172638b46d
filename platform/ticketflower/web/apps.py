from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ticketflower.web"
    label = "web"
