"""Serializers of the API: one per registry entry, generated from it, and the few the other endpoints answer with.

A record reads as `id`, `label` (its name), the entry's list and form fields, `<fk>_name` beside each related id
and `<field>_display` beside each code. Personal numbers read as their mask and are written in clear.
"""

import re
from functools import cache

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.settings import api_settings

from banyan.accounts.models import RoleAssignment, User
from banyan.core.dashboard import summary_keys
from banyan.core.pii import number_clean
from banyan.core.registry import BY_LABEL, ENTRIES, Entry
from banyan.core.scoping import writable_places
from banyan.events.models import event_action_label

_PII_COLUMN = re.compile(r"_(enc|hash|masked)$")


def error_detail(error: DjangoValidationError) -> dict:
    """A Django ValidationError as DRF's field-keyed errors: errors of the whole record under `non_field_errors`,
    and those of a personal number's stored columns (a unique hash) under the number's own name."""
    detail = {}
    for key, messages in serializers.as_serializer_error(error).items():
        key = api_settings.NON_FIELD_ERRORS_KEY if key == "__all__" else _PII_COLUMN.sub("", key)
        detail.setdefault(key, []).extend(messages)
    return detail


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A related record by id, among those the user can see: any other id is answered as not existing.

    The record's own place columns offer the places where the user may write this kind of record, which differ
    from the places they may list: a migrant officer places residents in their community though their role does
    not list communities, and a grid worker's records are in the community of their grid.
    """

    def get_queryset(self):
        model, user = self.queryset.model, self.context["request"].user
        if self.field_name in ("community", "grid"):
            communities, grids = writable_places(user, self.parent.Meta.model._meta.label_lower)
            return communities if self.field_name == "community" else grids
        return model.objects.visible_to(user)


class PiiField(serializers.CharField):
    """A personal number: read as its mask; written in clear, validated, and encrypted by the model's property.

    Left out, or sent back as the very mask a read gave (a GET → PUT round trip), it keeps the stored number;
    blank clears it.
    """

    def __init__(self, *, unique: bool = True, **kwargs):
        # unique=False: a number that is expected to be registered already (asking for a transfer of its holder)
        self.unique = unique
        help_text = gettext_lazy("读取时为脱敏号码；写入时填完整号码，校验后加密保存。")
        super().__init__(required=False, allow_blank=True, max_length=32, help_text=help_text, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        instance = self.parent.instance
        if instance is not None and value == getattr(instance, self.source):
            raise serializers.SkipField
        if not value:
            return ""
        try:
            return number_clean(self.parent.Meta.model, self.source, value, instance=instance, taken=self.unique)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class DisplayField(serializers.CharField):
    """The name of a stored code, in the user's language (some code lists are plain Chinese strings)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        # gettext("") would answer the catalog's header, so a blank code stays blank.
        return _(str(value)) if value else ""


class RecordSerializer(serializers.ModelSerializer):
    """Base of the generated serializers: input is validated here, and written by the view through record_save
    (the model takes its place columns from its grid or parent record: `CommunityPlace.take_place`)."""

    entry: Entry
    serializer_related_field = ScopedRelatedField


@cache
def record_serializer(entry: Entry) -> type[RecordSerializer]:
    """The serializer of one entry: read fields = id, label, list and form fields with their names and displays;
    only the form fields are written."""
    model, writable = entry.model, set(entry.form_fields)
    names = ["id", "label"]
    attrs: dict = {"entry": entry, "label": serializers.CharField(source="__str__", read_only=True,
                                                                  label=gettext_lazy("名称"))}
    for name in dict.fromkeys(entry.list_fields + entry.form_fields):
        names.append(name)
        if name in entry.pii:
            attrs[name] = PiiField(label=model._meta.get_field(f"{name}_masked").verbose_name,
                                   read_only=name not in writable)
            continue
        field = model._meta.get_field(name)
        if field.is_relation:
            names.append(f"{name}_name")
            attrs[f"{name}_name"] = serializers.CharField(source=name, read_only=True, allow_null=field.null,
                                                          label=format_lazy("{}（名称）", field.verbose_name))
        elif field.choices:
            names.append(f"{name}_display")
            attrs[f"{name}_display"] = DisplayField(source=f"get_{name}_display",
                                                    label=format_lazy("{}（名称）", field.verbose_name))
    extra = {"community": {"required": False}} if {"community", "grid"} <= writable else {}
    meta = type("Meta", (), {
        "model": model,
        "fields": names,
        "read_only_fields": [n for n in names if n not in writable and n not in attrs],
        "extra_kwargs": extra,
        # Uniqueness is the model's to check (record_save runs full_clean): DRF's own validators would demand
        # the community that a record given only a grid takes from it.
        "validators": [],
    })
    doc = str(model._meta.verbose_name)
    return type(f"{model.__name__}Serializer", (RecordSerializer,), {"__doc__": doc, "Meta": meta, **attrs})


def name_prefetches(entry: Entry) -> list[models.Prefetch]:
    """The related records a list names (`<fk>_name`) that `entry.related` does not join: one query each,
    with what their own names need, so a page of any length costs the same number of queries."""
    joined = {path.split("__")[0] for path in entry.related}
    out = []
    for name in dict.fromkeys(entry.list_fields + entry.form_fields):
        if name in entry.pii or name in joined or not entry.model._meta.get_field(name).is_relation:
            continue
        related = entry.model._meta.get_field(name).related_model
        target = BY_LABEL.get(related._meta.label_lower)
        queryset = related._default_manager.select_related(*(target.related if target else ()))
        out.append(models.Prefetch(name, queryset=queryset))
    return out


PII_NAMES = sorted({name for entry in ENTRIES for name in entry.pii})


class RevealRequestSerializer(serializers.Serializer):
    field = serializers.ChoiceField(PII_NAMES, label=gettext_lazy("字段"))
    reason = serializers.CharField(max_length=200, label=gettext_lazy("事由"))

    def validate_field(self, value):
        if value not in self.context["entry"].pii:
            raise serializers.ValidationError(_("此类记录没有这一个人号码。"))
        return value


class RevealSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField(help_text=gettext_lazy("完整号码；每次查看都记入个人信息访问记录。"))


class EventChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    before = serializers.CharField(help_text=gettext_lazy("修改前（个人号码为脱敏值）"))
    after = serializers.CharField(help_text=gettext_lazy("修改后（个人号码为脱敏值）"))


class EventSerializer(serializers.Serializer):
    """One event of a record's timeline. Only the texts of each change are shown, never stored raw values."""

    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    user = serializers.SerializerMethodField()
    action = serializers.CharField()
    action_display = serializers.SerializerMethodField()
    changes = EventChangeSerializer(many=True)
    note = serializers.CharField()

    def get_user(self, event) -> str | None:
        return str(event.user) if event.user_id else None

    def get_action_display(self, event) -> str:
        return event_action_label(event.action)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=gettext_lazy("此后请求时发送请求头 Authorization: Token <token>"))


class RoleSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    level = serializers.CharField(read_only=True)
    place_id = serializers.IntegerField(read_only=True)
    place_name = serializers.CharField(source="place", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["role", "role_display", "level", "place_id", "place_name"]


class MeSerializer(serializers.ModelSerializer):
    roles = RoleSerializer(source="role_assignments", many=True, read_only=True)

    class Meta:
        model = User
        fields = ["username", "display_name", "is_superuser", "roles"]


class PlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField()


def summary_serializer() -> type[serializers.Serializer]:
    """The figures of `places.selectors.summary` for the schema: what each app registered on the dashboard."""
    counts, rates = summary_keys()
    attrs = {"__doc__": "概况数字", "place": PlaceSerializer(allow_null=True),
             **{key: serializers.IntegerField() for key in counts},
             **{key: serializers.FloatField(allow_null=True) for key in rates}}
    return type("SummarySerializer", (serializers.Serializer,), attrs)


SummarySerializer = summary_serializer()
