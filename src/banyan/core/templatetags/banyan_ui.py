"""Template helpers of the page layout: the menu of registries a user may open, and who the user is where."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from banyan.accounts.roles import Action
from banyan.core.registry import ENTRIES
from banyan.core.scoping import can, user_assignments

register = template.Library()

MENU = (
    (_("地点"), ("districts", "towns", "communities", "cooperatives", "grids", "industrial-parks", "estates",
                "buildings", "dwellings")),
    (_("人口与房屋"), ("households", "residents", "rental-properties", "rental-rooms", "tenancies")),
    (_("单位"), ("enterprises", "property-companies")),
    (_("党建"), ("party-orgs", "party-members")),
)


def _groups():
    """The menu groups, with any entry the menu does not name yet under 其他, so no registry is unreachable."""
    named = {slug for _label, slugs in MENU for slug in slugs}
    rest = tuple(e.slug for e in ENTRIES if e.slug not in named)
    return MENU + (((_("其他"), rest),) if rest else ())


@register.simple_tag(takes_context=True)
def registry_menu(context) -> list[dict]:
    """The registries the user's roles may list, grouped; the current one marked."""
    request = context["request"]
    by_slug = {e.slug: e for e in ENTRIES}
    groups = []
    for label, slugs in _groups():
        items = []
        for slug in slugs:
            entry = by_slug.get(slug)
            if entry is None or not can(request.user, Action.VIEW, entry.model):
                continue
            url = reverse("record-list", args=[slug])
            items.append({"label": entry.model._meta.verbose_name_plural, "url": url,
                          "active": request.path.startswith(url)})
        if items:
            groups.append({"label": label, "items": items})
    tools = _tools(request)
    if tools:
        groups.append({"label": _("工具"), "items": tools})
    return groups


def _tools(request) -> list[dict]:
    """Work beyond the registries: importing ledgers, for those who may write some kind of them."""
    from banyan.ledgers.selectors import importable_kinds

    if not importable_kinds(request.user):
        return []
    url = reverse("import-list")
    return [{"label": _("台账导入"), "url": url, "active": request.path.startswith(url)}]


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
