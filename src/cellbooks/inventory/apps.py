from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "cellbooks.inventory"
    label = "inventory"

    def ready(self):
        from . import audit, receivers  # noqa: F401 (connect the signal receivers)
