"""The cases API: lists and records through the access door (/api/cases/, searchable with ?search=); recording a
case and every step of it are actions that call its service. There is no generic update or delete of a case."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from banyan.accounts.roles import Action
from banyan.cases import services
from banyan.cases.models import Case, Category, Deliberation, Project, Unit
from banyan.core.api.views import RecordReadViewSet, service_errors
from banyan.places.models import Building, Community, Grid


@extend_schema_field(OpenApiTypes.INT)
class Scoped(serializers.PrimaryKeyRelatedField):
    """A related id the user may act on; any other answers as an id that does not exist."""

    def __init__(self, model, action=Action.CHANGE, **kwargs):
        self.model, self.scope_action = model, action
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.visible_to(self.context["request"].user, self.scope_action)


class CaseRecordSerializer(serializers.Serializer):
    community = Scoped(Community, Action.VIEW, required=False, allow_null=True)
    grid = Scoped(Grid, Action.VIEW, required=False, allow_null=True)
    building = Scoped(Building, Action.VIEW, required=False, allow_null=True)
    kind = serializers.ChoiceField(Case.Kind.choices, default=Case.Kind.REQUEST)
    channel = serializers.ChoiceField([c for c in Case.Channel.choices if c[0] not in ("qr", "app", "open311")])
    title = serializers.CharField(required=False, allow_blank=True, max_length=100)
    description = serializers.CharField(max_length=5000)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), required=False, allow_null=True)
    priority = serializers.ChoiceField(Case.Priority.choices, default=Case.Priority.NORMAL)
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    latitude = serializers.DecimalField(9, 6, required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.DecimalField(9, 6, required=False, allow_null=True, min_value=-180, max_value=180)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=30)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    deliberation = Scoped(Deliberation, Action.VIEW, required=False, allow_null=True)

    def validate(self, attrs):
        place = attrs.get("building") or attrs.get("grid")
        if place is not None:
            attrs["community"] = place.community
        if attrs.get("community") is None:
            raise serializers.ValidationError({"community": [_("请选择社区，或选择网格。")]})
        return attrs


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


@extend_schema_field(OpenApiTypes.INT)
class CaseUnit(serializers.PrimaryKeyRelatedField):
    """A unit the case may be sent to (`services.units_for`); any other answers as an id that does not exist, so
    that a forged id learns nothing of another place's units."""

    def get_queryset(self):
        case = self.context.get("case")
        return services.units_for(case) if case is not None else Unit.objects.none()


class DispatchSerializer(NoteSerializer):
    unit = CaseUnit()


class ReplySerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=5000)


class FollowUpSerializer(NoteSerializer):
    satisfaction = serializers.ChoiceField(Case.Satisfaction.choices)


class InstructSerializer(serializers.Serializer):
    instruction = serializers.CharField(max_length=500)


class MergeSerializer(NoteSerializer):
    into = Scoped(Case)


class CategoriseSerializer(serializers.Serializer):
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())


class LinkProjectSerializer(serializers.Serializer):
    project = Scoped(Project, Action.VIEW)


def _step(name: str, path: str, serializer, summary: str, call):
    """One step of a case as an action at /api/cases/<id>/<path>/: validate the body, call the service, answer
    with the case. `name` is the viewset's attribute (DRF asks the two to match)."""

    def step(self, request, pk=None):
        case = self.get_object()
        asked = serializer(data=request.data, context={**self.get_serializer_context(), "case": case})
        asked.is_valid(raise_exception=True)
        with service_errors():
            case = call(case=case, by=request.user, **asked.validated_data)
        return Response(self.get_serializer(case).data)

    step.__name__ = name
    return extend_schema(request=serializer, summary=summary)(
        action(detail=True, methods=["post"], url_path=path)(step))


class CaseViewSet(RecordReadViewSet):
    """Cases (诉求) within the user's places. POST records one on a resident's behalf; each step of its handling
    is an action (`/api/cases/<id>/dispatch/` ...), refused with a Chinese message when it does not apply."""

    @extend_schema(request=CaseRecordSerializer, summary="登记诉求（代居民登记：来访、来电、走访、微信群、议事会）")
    def create(self, request):
        asked = CaseRecordSerializer(data=request.data, context=self.get_serializer_context())
        asked.is_valid(raise_exception=True)
        with service_errors():
            case = services.case_receive(by=request.user, **asked.validated_data)
        return Response(self.get_serializer(case).data, status=status.HTTP_201_CREATED)

    dispatch_to = _step("dispatch_to", "dispatch", DispatchSerializer, "派单到承办单位", services.case_dispatch)
    accept = _step("accept", "accept", NoteSerializer, "签收办理", services.case_accept)
    send_back = _step("send_back", "return", ReasonSerializer, "退回（须填写理由）", services.case_return)
    reply = _step("reply", "reply", ReplySerializer, "答复居民", services.case_reply)
    follow_up = _step("follow_up", "follow-up", FollowUpSerializer, "回访（满意度；不满意则重新办理）",
                      services.case_follow_up)
    close = _step("close", "close", NoteSerializer, "办结", services.case_close)
    reopen = _step("reopen", "reopen", ReasonSerializer, "重新办理", services.case_reopen)
    escalate = _step("escalate", "escalate", ReasonSerializer, "上报上一级", services.case_escalate)
    flag_difficult = _step("flag_difficult", "flag-difficult", ReasonSerializer, "列为重难点（立即上报镇街）",
                           services.case_flag_difficult)
    petition_forward = _step("petition_forward", "petition-forward", NoteSerializer, "信访上报",
                             services.case_petition_forward)
    instruct = _step("instruct", "instruct", InstructSerializer, "上级批示", services.case_instruct)
    extend = _step("extend", "extend", ReasonSerializer, "延长办理期限（一次）", services.case_extend)
    merge = _step("merge", "merge", MergeSerializer, "合并到另一诉求", services.case_merge)
    categorise = _step("categorise", "categorise", CategoriseSerializer, "确认或更改分类", services.case_categorise)
    link_project = _step("link_project", "link-project", LinkProjectSerializer, "关联项目", services.case_link_project)
    add_note = _step("add_note", "note", NoteSerializer, "补充说明", services.case_note)
