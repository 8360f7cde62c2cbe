from django.apps import AppConfig


class QuickBooksConfig(AppConfig):
    name = "cellbooks.quickbooks"
    label = "quickbooks"
    verbose_name = "QuickBooks Online"
