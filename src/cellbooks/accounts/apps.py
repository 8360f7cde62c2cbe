from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cellbooks.accounts"
    label = "accounts"

    def ready(self):
        from . import audit  # noqa: F401 (connects the activity log's receivers)
