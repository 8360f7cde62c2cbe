from django.apps import AppConfig


class QuickBooksConfig(AppConfig):
    name = "cellbooks.quickbooks"
    label = "quickbooks"
    verbose_name = "QuickBooks Online"

    def ready(self):
        from cellbooks.core.integrations import registry

        from . import announcements, receivers  # noqa: F401 (connects the signal receivers)
        from .integration import QuickBooksIntegration

        registry.register(QuickBooksIntegration())
        announcements.register()
