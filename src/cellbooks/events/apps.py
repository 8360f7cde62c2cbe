from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "cellbooks.events"
    label = "events"
    verbose_name = "Webhooks"

    def ready(self):
        from cellbooks.core.integrations import registry

        from . import catalogue, receivers  # noqa: F401 (connects the signal receivers)
        from .integration import WebhooksIntegration

        catalogue.register()
        registry.register(WebhooksIntegration())
