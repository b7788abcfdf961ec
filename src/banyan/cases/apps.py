from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "banyan.cases"
    label = "cases"
    verbose_name = "民情诉求"

    def ready(self):
        # The step names of cases' timelines, and cases in the to-do list.
        import banyan.cases.services  # noqa: F401
        import banyan.cases.todo  # noqa: F401
