from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cellbooks.accounts"
    label = "accounts"
