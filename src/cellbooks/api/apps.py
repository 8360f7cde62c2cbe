from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cellbooks.api"
    label = "api"
    verbose_name = "REST API"
