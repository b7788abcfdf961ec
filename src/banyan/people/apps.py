from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "banyan.people"
    label = "people"
    verbose_name = "人口与单位"
