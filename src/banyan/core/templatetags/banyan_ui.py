"""Template helpers of the page layout: the menu of registries a user may open, and who the user is where."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from banyan.accounts.roles import Action
from banyan.core.registry import ENTRIES, MENU_LINKS
from banyan.core.scoping import can, user_assignments

register = template.Library()


def _groups():
    """The menu groups in the order their entries are registered; an entry without a group under 其他."""
    groups: dict[str, list] = {}
    for entry in ENTRIES:
        groups.setdefault(entry.menu or "其他", []).append(entry)
    return [(_(label), entries) for label, entries in groups.items()]


@register.simple_tag(takes_context=True)
def registry_menu(context) -> list[dict]:
    """The registries the user's roles may list, grouped; the current one marked."""
    request = context["request"]
    groups = []
    for label, entries in _groups():
        items = []
        for entry in entries:
            if not can(request.user, Action.VIEW, entry.model):
                continue
            url = reverse("record-list", args=[entry.slug])
            items.append({"label": entry.model._meta.verbose_name_plural, "url": url,
                          "active": request.path.startswith(url)})
        for link in MENU_LINKS:
            if _(link.group) == label and link.allowed(request.user):
                url = reverse(link.url_name)
                items.append({"label": _(link.label), "url": url, "active": request.path.startswith(url)})
        if items:
            groups.append({"label": label, "items": items})
    tools = _tools(request)
    if tools:
        groups.append({"label": _("工具"), "items": tools})
    return groups


def _tools(request) -> list[dict]:
    """Work beyond the registries: importing ledgers, for those who may write some kind of them; their own
    background exports, for those who may export some list."""
    from banyan.ledgers.selectors import importable_kinds, may_export

    tools = []
    for label, name, allowed in ((_("台账导入"), "import-list", importable_kinds),
                                 (_("我的导出"), "export-list", may_export)):
        if allowed(request.user):
            url = reverse(name)
            tools.append({"label": label, "url": url, "active": request.path.startswith(url)})
    return tools


@register.simple_tag(takes_context=True)
def user_roles(context) -> list[str]:
    """Each role of the user with its place: "社区书记 · 东联"."""
    user = context["request"].user
    if user.is_superuser and not user_assignments(user):
        return [str(_("系统管理员"))]
    return [f"{a.get_role_display()} · {a.place}" for a in user_assignments(user)]


@register.filter
def grouped(value):
    """A whole number with a comma every three digits, in every language: 12,345 (Django's Chinese format has
    no separator at all)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return value
