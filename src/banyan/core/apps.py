from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "banyan.core"
    label = "core"
    verbose_name = "核心"
