from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "banyan.events"
    label = "events"
    verbose_name = "操作记录"
