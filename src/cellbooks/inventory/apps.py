from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "cellbooks.inventory"
    label = "inventory"

    def ready(self):
        from . import receivers  # noqa: F401 (connects the signal receivers)
