"""People's API viewsets, named by their entries (people/entries.py): the steps of a resident's status, and
transfer requests. Thin: each action parses its input, calls one service, and answers with the record."""

from functools import cache

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from banyan.accounts.roles import Action
from banyan.core.api.serializers import PiiField, record_serializer
from banyan.core.api.views import RecordReadViewSet, RecordViewSet, service_errors
from banyan.people import services
from banyan.people.models import Household
from banyan.people.selectors import id_number_refusal, transfer_hidden_fields
from banyan.places.models import Community, Grid

# ---------------------------------------------------------------------------------------------------------------
# Residents.


@cache
def resident_serializer(entry):
    """The generated resident serializer, but a number registered in another community is answered with the way
    to ask for that person (POST /api/transfer-requests/) rather than a bare "already registered"."""
    base = record_serializer(entry)

    class ResidentSerializer(base):
        # Uniqueness waits for validate(): whose community the number is in decides the answer.
        id_number = PiiField(unique=False, label=gettext_lazy("身份证号"))

        def validate(self, attrs):
            attrs = super().validate(attrs)
            number = attrs.get("id_number")
            community = attrs.get("community") or getattr(attrs.get("grid"), "community", None)
            refusal = number and id_number_refusal(number=number, community=community, instance=self.instance)
            if refusal:
                raise serializers.ValidationError({"id_number": [refusal]})
            return attrs

    ResidentSerializer.__doc__ = base.__doc__
    return ResidentSerializer


class StepSerializer(serializers.Serializer):
    # Not required here: the service answers a missing date or reason in the words of the step.
    on = serializers.DateField(required=False, allow_null=True, label=gettext_lazy("日期"))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, label=gettext_lazy("原因"))


class MoveOutSerializer(StepSerializer):
    destination = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                        label=gettext_lazy("迁往地"))


class ResidentViewSet(RecordViewSet):
    """Residents of every status (`?status=current` for those who live here now; the pages show those by
    default). A resident leaves through move-out and death, and comes back through move-in; one registered in
    another community comes through a transfer request (POST /api/transfer-requests/)."""

    def get_serializer_class(self):
        return resident_serializer(self.entry)

    def _step(self, request, service, asked_class):
        resident = self.get_object()
        asked = asked_class(data=request.data)
        asked.is_valid(raise_exception=True)
        with service_errors():
            resident = service(resident=resident, by=request.user, **asked.validated_data)
        return Response(self.get_serializer(resident).data)

    @extend_schema(request=MoveOutSerializer, summary="迁出（日期、原因、迁往地）")
    @action(detail=True, methods=["post"], url_path="move-out")
    def move_out(self, request, pk=None):
        return self._step(request, services.resident_move_out, MoveOutSerializer)

    @extend_schema(request=StepSerializer, summary="死亡注销（日期、原因）")
    @action(detail=True, methods=["post"])
    def death(self, request, pk=None):
        return self._step(request, services.resident_record_death, StepSerializer)

    @extend_schema(request=StepSerializer, summary="已迁出的居民迁回本社区（日期、原因）")
    @action(detail=True, methods=["post"], url_path="move-in")
    def move_in(self, request, pk=None):
        return self._step(request, services.resident_move_in, StepSerializer)


# ---------------------------------------------------------------------------------------------------------------
# Transfer requests.


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A place by id among those the user can see: any other id is answered as not existing."""

    def get_queryset(self):
        return self.queryset.model.objects.visible_to(self.context["request"].user)


class TransferAskSerializer(serializers.Serializer):
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=32,
                                      label=gettext_lazy("身份证号"))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                   label=gettext_lazy("申请事由"))
    to_community = VisibleRelatedField(queryset=Community.objects.all(), required=False, allow_null=True,
                                       label=gettext_lazy("迁入社区"))
    to_grid = VisibleRelatedField(queryset=Grid.objects.all(), required=False, allow_null=True,
                                  label=gettext_lazy("迁入网格"))
    to_household = VisibleRelatedField(queryset=Household.objects.all(), required=False, allow_null=True,
                                       label=gettext_lazy("迁入户"))


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, label=gettext_lazy("处理意见"))


# Shown beside the list fields on a single request, each only to who may see it (see transfer_hidden_fields).
EXTRA_FIELDS = ("resident", "from_community", "to_grid", "to_household")


class TransferRequestViewSet(RecordReadViewSet):
    """Requests to move in a person registered in another community. The asking side reads only what it sent
    and the answer; the person's name and community appear (`resident_name`, `from_community_name`) only to who
    may see that person. The holding community answers with accept or refuse; the asking side may cancel."""

    def kind_action(self):
        # Who may take each step is the services' to say (who may register residents where): seeing requests at
        # all is what the kind needs.
        return Action.VIEW

    def row_action(self):
        return Action.VIEW

    @extend_schema(request=TransferAskSerializer, summary="申请迁入（身份证号、事由、迁入网格或户）")
    def create(self, request):
        asked = TransferAskSerializer(data=request.data, context=self.get_serializer_context())
        asked.is_valid(raise_exception=True)
        with service_errors():
            created = services.transfer_request(by=request.user, **asked.validated_data)
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, *args, **kwargs):
        row = self.get_object()
        data = dict(self.get_serializer(row).data)
        hidden = transfer_hidden_fields(request.user, row)
        for name in EXTRA_FIELDS:
            if name not in hidden:
                value = getattr(row, name)
                data[name], data[f"{name}_name"] = getattr(row, f"{name}_id"), str(value) if value else None
        data.update({"requested_by": str(row.requested_by), "decided_by": str(row.decided_by or "") or None,
                     "decided_at": row.decided_at, "decision_note": row.decision_note})
        return Response(data)

    def _answer(self, request, service):
        row = self.get_object()
        asked = DecisionSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        with service_errors():
            row = service(request=row, by=request.user, note=asked.validated_data.get("note", ""))
        return Response(self.get_serializer(row).data)

    @extend_schema(request=DecisionSerializer, summary="同意迁入（原登记社区）")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._answer(request, services.transfer_accept)

    @extend_schema(request=DecisionSerializer, summary="拒绝迁入（原登记社区，须填写理由）")
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        return self._answer(request, services.transfer_refuse)

    @extend_schema(request=DecisionSerializer, summary="撤回申请（申请社区）")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._answer(request, services.transfer_cancel)
