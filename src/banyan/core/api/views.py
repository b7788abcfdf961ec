"""The API's views: one generated viewset per registry entry, and token, me, summary and the docs.

Access, as on the pages: a kind of record the role may not view (or change, or reveal) at all answers 403; a row
outside the user's places answers 404, exactly like a missing one. Rows come only from `get_queryset`, which asks
the access door (`visible_to`) for the action the request needs. The division tree (districts, towns,
communities) is read-only: no role may change it, so a write answers 403 like any kind the role may not change
(its endpoints have no write methods at all: a superuser, who passes every access check, gets 405).
"""

from contextlib import contextmanager

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Prefetch, prefetch_related_objects
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import mixins, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from banyan.accounts.models import RoleAssignment
from banyan.accounts.roles import Action
from banyan.accounts.services import pii_reveal_for
from banyan.core.api.serializers import (
    EventSerializer,
    MeSerializer,
    RevealRequestSerializer,
    RevealSerializer,
    SummarySerializer,
    TokenSerializer,
    error_detail,
    name_prefetches,
    record_serializer,
)
from banyan.core.filters import filterset_for
from banyan.core.pii import looks_like_number, number_q
from banyan.core.registry import Entry
from banyan.core.scoping import can
from banyan.core.services import record_delete, record_save
from banyan.events.selectors import record_history
from banyan.places.selectors import place_resolve, summary

# JSON only: the browsable API would render every related record as a <select> option, and its inline script
# breaks our content security policy. The interactive documentation is /api/docs/.
RENDERERS = [JSONRenderer]


@contextmanager
def service_errors():
    """A service's refusal as a 400 in the user's language. PermissionDenied passes on: DRF answers it 403."""
    try:
        yield
    except DjangoValidationError as error:
        raise ValidationError(error_detail(error)) from None
    except (ProtectedError, RestrictedError) as error:
        kinds = "、".join(sorted({str(o._meta.verbose_name) for o in error.args[1]}))
        raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [
            _("该记录仍被其他记录引用（%(kinds)s），不能删除。") % {"kinds": kinds}]}) from None
    except IntegrityError:
        # What full_clean could not see in time: another request stored the same number a moment earlier.
        raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [_("与已登记的记录重复，未保存。")]}) from None


class KindPermission(BasePermission):
    """403 when the role may not do the request's action on this kind of record anywhere."""

    MESSAGES = {
        Action.VIEW: gettext_lazy("您没有查看此类记录的权限。"),
        Action.CHANGE: gettext_lazy("您没有修改此类记录的权限。"),
        Action.REVEAL: gettext_lazy("您没有查看完整号码的权限。"),
    }

    def has_permission(self, request, view):
        needed = view.kind_action()
        self.message = self.MESSAGES[needed]
        return can(request.user, needed, view.entry.model)


class RecordPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class RecordSearch(SearchFilter):
    """DRF's search over the entry's text fields; a search that is a number looks at the entry's personal numbers
    only, whole (keyed hash) or by the last four characters their masks show."""

    def filter_queryset(self, request, queryset, view):
        text = request.query_params.get(self.search_param, "").strip()
        if "\x00" in text:  # PostgreSQL cannot compare text holding it
            raise ValidationError({self.search_param: [_("查询条件含有无法识别的字符。")]})
        if view.entry.pii and looks_like_number(text):
            return queryset.filter(number_q(view.entry.pii, text))
        return super().filter_queryset(request, queryset, view)


class RecordOrdering(OrderingFilter):
    def get_ordering(self, request, queryset, view):
        # Ties broken by id: a page boundary inside equal values would otherwise repeat or skip rows.
        return list(dict.fromkeys([*super().get_ordering(request, queryset, view), "pk"]))


def default_ordering(model) -> list[str]:
    """The model's own order by foreign-key id rather than the related row's order (the index answers it without
    a join), then id."""
    out = []
    for term in model._meta.ordering:
        name = term.removeprefix("-")
        field = None if name == "pk" else model._meta.get_field(name)
        out.append(term.replace(name, field.attname) if field is not None and field.is_relation else term)
    return list(dict.fromkeys([*out, "pk"]))


class RecordReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Lists and single records of one entry, through the access door."""

    entry: Entry
    permission_classes = [IsAuthenticated, KindPermission]
    renderer_classes = RENDERERS
    pagination_class = RecordPagination
    filter_backends = [DjangoFilterBackend, RecordSearch, RecordOrdering]

    def row_action(self) -> str:
        """The action the user must be allowed on a row for it to exist for this request."""
        if self.request.method in SAFE_METHODS or self.action == "reveal":
            return Action.VIEW
        return Action.CHANGE

    def kind_action(self) -> str:
        """The action the user's role must allow on this kind of record at all."""
        return Action.REVEAL if self.action == "reveal" else self.row_action()

    def get_queryset(self):
        entry = self.entry
        rows = entry.model.objects.visible_to(self.request.user, self.row_action())
        return rows.select_related(*entry.related).prefetch_related(*name_prefetches(entry))

    def get_object(self):
        try:
            return self.get_queryset().get(pk=self.kwargs["pk"])
        except (ObjectDoesNotExist, ValueError, TypeError):
            raise NotFound(_("未找到该记录，或它不在您的管辖范围内。")) from None

    @extend_schema(responses=EventSerializer(many=True), summary="操作记录（新的在前，分页）")
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        record = self.get_object()
        page = self.paginate_queryset(record_history(record))
        return self.get_paginated_response(EventSerializer(page, many=True).data)


class RecordViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, RecordReadViewSet):
    """Adds create, update and delete; every write goes through record_save / record_delete."""

    def perform_create(self, serializer):
        serializer.instance = self._save(self.entry.model(), serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self._save(serializer.instance, serializer.validated_data)

    def get_permissions(self):
        write = {"create": "create", "update": "update", "partial_update": "update", "destroy": "delete"}
        if self.action in write and not self.entry.allows(write[self.action]):
            self.permission_denied(self.request, message=_("“%(kind)s”不能通过此接口修改，请使用其专门的操作。")
                                   % {"kind": self.entry.model._meta.verbose_name})
        return super().get_permissions()

    def perform_destroy(self, instance):
        with service_errors():
            record_delete(instance=instance, by=self.request.user)

    def _save(self, instance, values):
        with service_errors():
            return record_save(instance=instance, by=self.request.user, values=dict(values))


class RevealMixin:
    @extend_schema(request=RevealRequestSerializer, responses=RevealSerializer,
                   summary="查看完整个人号码（须填写事由，记入访问记录）")
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        record = self.get_object()
        asked = RevealRequestSerializer(data=request.data, context={"entry": self.entry})
        asked.is_valid(raise_exception=True)
        field, reason = asked.validated_data["field"], asked.validated_data["reason"]
        with service_errors():
            value = pii_reveal_for(obj=record, field=field, by=request.user, reason=reason)
        # A full number must not stay in a browser's or a proxy's cache.
        return Response({"field": field, "value": value}, headers={"Cache-Control": "no-store"})


def record_viewset(entry: Entry) -> type[RecordReadViewSet]:
    """The viewset of one entry; read-only when the entry has no form fields, with reveal when it has personal
    numbers. Each gets its own class name, so the schema names its components and operations apart."""
    model = entry.model
    bases: tuple[type, ...] = (RecordViewSet,) if entry.form_fields else (RecordReadViewSet,)
    if entry.viewset:
        bases = (import_string(entry.viewset),)
    if entry.pii:
        bases = (RevealMixin, *bases)
    attrs = {
        "__doc__": str(model._meta.verbose_name_plural),
        "__module__": __name__,
        "entry": entry,
        "serializer_class": record_serializer(entry),
        "filterset_class": filterset_for(entry),
        "search_fields": entry.search_fields,
        "ordering_fields": ["id", *(n for n in entry.list_fields if n not in entry.pii)],
        "ordering": default_ordering(model),
    }
    return type(f"{model.__name__}ViewSet", bases, attrs)


class TokenThrottle(ScopedRateThrottle):
    """DRF copies the rates when it is imported; read them when asked, so the setting in force counts."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class TokenView(ObtainAuthToken):
    """Password guesses are limited per address (BANYAN_TOKEN_RATE, counted in the shared cache)."""

    renderer_classes = RENDERERS
    throttle_classes = [TokenThrottle]
    throttle_scope = "token"

    @extend_schema(request=AuthTokenSerializer, responses=TokenSerializer, summary="用户名和密码换取令牌")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class MeView(APIView):
    renderer_classes = RENDERERS

    @extend_schema(responses=MeSerializer, summary="当前用户及其角色")
    def get(self, request):
        user = request.user
        assignments = RoleAssignment.objects.select_related("district", "town", "community", "grid")
        prefetch_related_objects([user], Prefetch("role_assignments", queryset=assignments))
        return Response(MeSerializer(user).data)


class SummaryView(APIView):
    renderer_classes = RENDERERS

    @extend_schema(
        parameters=[OpenApiParameter("place", OpenApiTypes.STR, description="地点：社区编号、区划代码或名称")],
        responses=SummarySerializer, summary="概况数字（首页看板）",
    )
    def get(self, request):
        place = None
        if request.query_params.get("place"):
            place = place_resolve(request.user, request.query_params["place"])
            if place is None:
                raise NotFound(_("未找到该地点，或它不在您的管辖范围内。"))
        return Response(summary(request.user, place))


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from our own static files, its start-up script from this URL (no inline script)."""

    def _dump(self, data):
        # Swagger UI would otherwise show a badge fetched from validator.swagger.io, sending it our schema's URL.
        if data is spectacular_settings.SWAGGER_UI_SETTINGS:
            data = {**data, "validatorUrl": None}
        return super()._dump(data)
