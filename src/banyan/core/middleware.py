"""Error pages people can read, in debug too: Chinese pages for 400, 403, 404 and 500, JSON under /api/.

Django shows its technical pages (every URL pattern on a 404, a traceback with local variables on a 500) when
DEBUG is on, and the demo runs in debug: those pages are English, tell a grid worker nothing, and a traceback may
hold a clear personal number. `ErrorPagesMiddleware` answers the exceptions of views with our pages whatever
DEBUG says, and replaces the 404 of an address no URL pattern matches. The same views are the URLconf's
handler400/403/404/500, for what happens outside a view when DEBUG is off.

A 500 page gets a short reference, logged with the traceback, that a user can quote to whoever runs the server.
It is rendered without the request (no context processor, no session, no user): it must work when the database
is what failed.
"""

import logging
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signals
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from banyan.accounts.roles import Action
from banyan.core.registry import Entry
from banyan.core.scoping import can

logger = logging.getLogger("banyan.errors")

# Read aloud or typed from a phone's screen: no 0/O or 1/I/L to confuse.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def is_api(request) -> bool:
    """The API answers in JSON, its own errors included (DRF renders those inside its views)."""
    return request.path_info.startswith("/api/")


def new_reference() -> str:
    """A short reference for one server error, e.g. "K7QM-42TX"."""
    code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _i in range(8))
    return f"{code[:4]}-{code[4:]}"


def _back_url(request) -> str | None:
    """The page the user came from, when it is one of ours and not this one."""
    referer = request.headers.get("Referer", "")
    if not referer or not url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                          require_https=request.is_secure()):
        return None
    return None if urlsplit(referer).path == request.path else referer


def _list_link(request) -> dict | None:
    """The list of the kind of record the address names (/residents/123/ → 居民), if the user may open it."""
    match = getattr(request, "resolver_match", None)
    entry = match.kwargs.get("entry") if match is not None else None
    if not isinstance(entry, Entry) or match.url_name == "record-list" or not request.user.is_authenticated \
            or not can(request.user, Action.VIEW, entry.model):
        return None
    return {"url": reverse("record-list", args=[entry.slug]),
            "label": _("返回%(kind)s列表") % {"kind": entry.model._meta.verbose_name_plural}}


def not_found(request, exception=None):
    """404: the record does not exist or is outside the user's places (the same answer for both, on purpose)."""
    if is_api(request):
        return JsonResponse({"detail": _("未找到。")}, status=404)
    matched = getattr(request, "resolver_match", None) is not None
    context = {"title": _("找不到页面"), "record": matched and "pk" in request.resolver_match.kwargs,
               "back_url": _back_url(request), "list_link": _list_link(request)}
    return render(request, "404.html", context, status=404)


def permission_denied(request, exception=None):
    """403: the user's role may not do this here; the message of the refusal says which permission is missing."""
    reason = str(exception or "").strip()
    if is_api(request):
        return JsonResponse({"detail": reason or _("您没有执行该操作的权限。")}, status=403)
    context = {"title": _("没有权限"), "reason": reason, "back_url": _back_url(request)}
    return render(request, "403.html", context, status=403)


def bad_request(request, exception=None):
    """400: a request the server cannot take (a malformed form, a wrong host). No database, like a 500."""
    if is_api(request):
        return JsonResponse({"detail": _("请求有误。")}, status=400)
    return _static_page("400.html", {}, 400)


def server_error(request, *args, reference: str | None = None, **kwargs):
    """500: a page that needs nothing but templates, with the reference logged beside the traceback."""
    if reference is None:  # called by Django as handler500, inside the handling of the exception
        reference = new_reference()
        logger.error("Server error %s at %s %s", reference, request.method, request.path, exc_info=True)
    if is_api(request):
        return JsonResponse({"detail": _("服务器内部错误。"), "reference": reference}, status=500)
    return _static_page("500.html", {"reference": reference}, 500)


def _static_page(name: str, context: dict, status: int) -> HttpResponse:
    """A page rendered without the request: no context processor runs, so nothing reads the database."""
    try:
        body = loader.get_template(name).render({**context, "LANGUAGE_CODE": get_language()})
    except Exception:  # the error page must not fail in turn; a plain line still tells the user something
        logger.exception("Error page %s failed to render", name)
        body = f"<!doctype html><meta charset=utf-8><title>{status}</title><p>{_('服务器出错，请稍后再试。')}</p>" \
               + (f"<p>{_('错误编号')}：{context['reference']}</p>" if context.get("reference") else "")
    return HttpResponse(body, status=status)


class ErrorPagesMiddleware:
    """Our error pages for what views raise, and for addresses no URL pattern matches, in debug too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and getattr(request, "resolver_match", None) is None and settings.DEBUG:
            # No URL pattern matched, and Django's debug page lists them all; with DEBUG off, handler404 ran.
            return not_found(request)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            return not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        if isinstance(exception, SuspiciousOperation):
            # As Django does: a security log line (an attack, or a bug), then a 400 without detail.
            logging.getLogger(f"django.security.{type(exception).__name__}").error(
                str(exception), exc_info=exception, extra={"status_code": 400, "request": request})
            return bad_request(request, exception)
        if isinstance(exception, BadRequest):
            return bad_request(request, exception)
        reference = new_reference()
        logger.error("Server error %s at %s %s", reference, request.method, request.path, exc_info=exception,
                     extra={"status_code": 500, "request": request})
        # Whoever listens for failed requests (error reporting, the test client) still hears of this one.
        signals.got_request_exception.send(sender=type(self), request=request)
        return server_error(request, reference=reference)


def csrf_failure(request, reason=""):
    """A form sent with an expired or missing security token (a phone left on a page overnight): our 403 page,
    saying to reload and send it again, instead of Django's English one."""
    return permission_denied(request, PermissionDenied(_("页面已过期或安全校验失败，请刷新页面后重新提交。")))
