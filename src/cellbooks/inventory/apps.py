from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "cellbooks.inventory"
    label = "inventory"
