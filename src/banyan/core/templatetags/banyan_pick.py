"""The pick page (core/pick.html): the rows a search found, as a list to click in a picker (htmx), or, for a
browser without script, a page of its own that links each row back to the form or list that opened it."""

import re
from urllib.parse import urlsplit

from django import template
from django.http import QueryDict
from django.utils.http import url_has_allowed_host_and_scheme

register = template.Library()

_FIELD = re.compile(r"[a-z][a-z0-9_]{0,59}")


def is_htmx(request) -> bool:
    return request is not None and request.headers.get("HX-Request") == "true"


@register.simple_tag(takes_context=True)
def pick_return(context) -> dict | None:
    """For the whole pick page: the field being chosen, the page to go back to (`next`, else the page that
    linked here, on this site only), and for each row found the address of that page with the row chosen."""
    request = context["request"]
    field = request.GET.get("field", "")
    target = request.GET.get("next") or request.headers.get("Referer", "")
    if is_htmx(request) or not _FIELD.fullmatch(field) or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return None
    parts = urlsplit(target)
    if not parts.path.startswith("/") or parts.path == request.path:
        return None
    query = QueryDict(parts.query, mutable=True)
    query.pop("page", None)

    def back(pk) -> str:
        chosen = query.copy()
        chosen[field] = pk
        return f"{parts.path}?{chosen.urlencode()}"

    return {"field": field, "next": f"{parts.path}?{parts.query}" if parts.query else parts.path,
            "none": back(""), "rows": [{**o, "url": back(o["pk"])} for o in context.get("options", ())]}
