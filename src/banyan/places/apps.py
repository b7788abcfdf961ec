from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "banyan.places"
    label = "places"
    verbose_name = "地点"

    def ready(self):
        from banyan.core.dashboard import dashboard_part
        from banyan.places.dashboard import PART

        dashboard_part(PART)
