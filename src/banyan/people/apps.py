from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "banyan.people"
    label = "people"
    verbose_name = "人口与单位"

    def ready(self):
        from banyan.core.dashboard import dashboard_part
        from banyan.people.dashboard import PART

        dashboard_part(PART)
        # The step names of residents' timelines, and the transfer requests in the to-do list.
        import banyan.people.selectors  # noqa: F401
        import banyan.people.services  # noqa: F401
