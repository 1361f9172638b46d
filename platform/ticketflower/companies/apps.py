from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "ticketflower.companies"
    label = "companies"
