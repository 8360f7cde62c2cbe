from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cellbooks.core"
    label = "core"
