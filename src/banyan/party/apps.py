from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "banyan.party"
    label = "party"
    verbose_name = "党建"

    def ready(self):
        from banyan.core.dashboard import dashboard_part
        from banyan.party.dashboard import PART

        dashboard_part(PART)
        from banyan.party import selectors  # noqa: F401  (registers the member's own links)
