from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "banyan.party"
    label = "party"
    verbose_name = "党建"
