from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "banyan.places"
    label = "places"
    verbose_name = "地点"
