from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "banyan.cases"
    label = "cases"
    verbose_name = "民情诉求"

    def ready(self):
        from banyan.cases.dashboard import PART
        from banyan.core.dashboard import dashboard_part

        dashboard_part(PART)
        menu_links()
        # The step names of cases' timelines, and cases in the to-do list.
        import banyan.cases.services  # noqa: F401
        import banyan.cases.todo  # noqa: F401


def menu_links() -> None:
    """The case figures for whoever sees cases; the Open311 apps for who issues their keys."""
    from django.utils.translation import gettext_noop

    from banyan.accounts.roles import Action
    from banyan.cases.models import Case
    from banyan.cases.open311_clients import manageable_towns
    from banyan.core.registry import MenuLink, menu_link
    from banyan.core.scoping import can

    group = gettext_noop("民情诉求")
    menu_link(MenuLink(group, gettext_noop("诉求统计"), "case-figures", lambda user: can(user, Action.VIEW, Case)))
    menu_link(MenuLink(group, gettext_noop("Open311接入应用"), "open311-clients",
                       lambda user: manageable_towns(user) != set()))
