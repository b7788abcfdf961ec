from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "banyan.accounts"
    label = "accounts"
    verbose_name = "账号与权限"
