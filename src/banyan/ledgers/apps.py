from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "banyan.ledgers"
    label = "ledgers"
    verbose_name = "台账导入导出"
