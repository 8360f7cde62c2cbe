from django.apps import AppConfig


class QuickBooksConfig(AppConfig):
    name = "cellbooks.quickbooks"
    label = "quickbooks"
    verbose_name = "QuickBooks Online"

    def ready(self):
        from cellbooks.core.integrations import registry

        from . import receivers  # noqa: F401 (connects the inventory signal receivers)
        from .integration import QuickBooksIntegration

        registry.register(QuickBooksIntegration())
