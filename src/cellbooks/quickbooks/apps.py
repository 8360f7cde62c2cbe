from django.apps import AppConfig


class QuickBooksConfig(AppConfig):
    name = "cellbooks.quickbooks"
    label = "quickbooks"
    verbose_name = "QuickBooks Online"

    def ready(self):
        from . import receivers  # noqa: F401 (connects the inventory signal handlers)
