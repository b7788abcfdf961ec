"""Record forms, generated from a registry entry's `form_fields`, with every choice of a related row scoped.

Personal numbers are plain text fields that are never pre-filled: on an edit, blank keeps the stored value.
The form validates; `record_save` (the only way pages write) re-checks scope and writes.
"""

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.urls import reverse
from django.utils import formats
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from banyan.accounts.roles import Action
from banyan.core.pii import number_clean, pii_kind
from banyan.core.registry import BY_LABEL, Entry
from banyan.core.scoping import writable_places
from banyan.places.models import Community

# Related rows that number in the thousands: a <select> of them would be megabytes on a phone, so they are
# chosen by searching for them (see PickerWidget).
LARGE_MODELS = {"people.household", "people.resident", "people.rentalroom", "people.rentalproperty",
                "places.building", "places.dwelling"}
LARGE_FIELD_NAMES = {"parent"}


def is_large(field) -> bool:
    return field.related_model._meta.label_lower in LARGE_MODELS or field.name in LARGE_FIELD_NAMES


def pii_label(model, name: str) -> str:
    return model._meta.get_field(f"{name}_masked").verbose_name


def _field_label(model, field) -> str:
    label = str(field.verbose_name)
    if label == _("编号"):
        return _("%(kind)s编码") % {"kind": model._meta.verbose_name}
    return label


# A field's label on forms, lists and detail pages, in the language of the page that shows it (lazy: lists
# cache their columns). A bare 编号 says nothing beside another number: it is named after its kind of record
# (a grid's 编号 reads 网格编码).
field_label = lazy(_field_label, str)


def translated_choices(choices):
    # Some code lists are plain Chinese strings in the models; the catalog translates them all the same.
    return [(value, _(str(label))) for value, label in choices]


class PickerWidget(forms.Widget):
    """A related row chosen by search: the page shows the chosen row's name and a short detail, never its id.

    The id travels in a hidden input (`.picker-id`); a search box lists the matching rows the user can see
    (htmx, from the pick page), and a row chosen there fills the hidden input and the label (app.js, by
    `data-pick`); the clear button is such a choice of nothing. Without script, a link opens the pick page as
    a whole page, whose rows link back here with the choice in the address.

    Rendered here rather than from a template: the form renderer only reads the apps' template folders.
    """

    def __init__(self, *, queryset, entry: Entry, attrs=None):
        super().__init__(attrs)
        self.queryset, self.entry = queryset, entry

    def id_for_label(self, id_):
        # A label names the search box: the one control of the picker a person types into.
        return f"{id_}_q" if id_ else id_

    def chosen(self, value):
        """The row `value` names, if the user may see it (a foreign id names nothing, and is not kept)."""
        if isinstance(value, models.Model):
            value = value.pk
        if not str(value or "").isdigit():
            return None
        return self.queryset.filter(pk=value).select_related(*self.entry.related).first()

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        field_id = attrs.get("id") or f"id_{name}"
        row = self.chosen(value)
        label = option_label(self.entry, row) if row is not None else ""
        url = reverse("record-pick", args=[self.entry.slug])
        # The search box belongs to no form (form=""), so it is never submitted with the record or the filter.
        return format_html(
            '<div class="picker">'
            '<input type="hidden" name="{name}" value="{value}" id="{id}" class="picker-id">'
            '<div class="picker-current">'
            '<span class="picker-chosen" aria-live="polite">{label}</span>'
            '<button type="button" class="picker-clear" data-pick="" data-label="{none}" '
            'aria-label="{clear_hint}">{clear}</button>'
            '</div>'
            '<input type="search" class="picker-q" id="{id}_q" name="q" form="" autocomplete="off" '
            'placeholder="{hint}" aria-label="{hint}" hx-get="{url}" '
            'hx-trigger="input changed delay:300ms, search" hx-target="next .picker-results" hx-sync="this:replace">'
            '<div class="picker-results"></div>'
            '<noscript><a class="picker-page" href="{url}?{query}">{browse}</a></noscript>'
            '</div>',
            name=name, value=row.pk if row is not None else "", id=field_id, label=label or _("未选择"),
            none=_("未选择"), clear=_("清除"), clear_hint=_("清除所选"), hint=_("输入名称、地址搜索后点选"),
            url=url, query=urlencode({"field": name}), browse=_("搜索并选择"))


def option_label(entry: Entry, obj) -> str:
    """A row as a picker shows it: its name, then the next two columns of its list (as its search results do),
    less what the name already says; a bare number with its label (面积（平方米）133.0, not 133.0)."""
    name, parts = str(obj), []
    for column in entry.list_fields[1:3]:
        text = _column_text(obj, column, entry)
        if text and text not in name:
            parts.append(text)
    return " · ".join([name, *parts])


def _column_text(obj, name: str, entry: Entry) -> str:
    if name in entry.pii:
        return getattr(obj, name) or ""  # the property reads the mask
    field = obj._meta.get_field(name)
    value = getattr(obj, name)
    if value is None or value == "":
        return ""
    if field.choices:
        return _(str(getattr(obj, f"get_{name}_display")()))
    if isinstance(value, dt.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(field, models.JSONField):
        return ""
    if isinstance(value, bool):
        return f"{field_label(obj._meta.model, field)} {_('是') if value else _('否')}"
    if isinstance(value, int | float | Decimal):
        return f"{field_label(obj._meta.model, field)} {formats.localize(value)}"
    return str(formats.localize(value))


def pick_widget_for(field, queryset) -> forms.Widget:
    entry = BY_LABEL.get(field.related_model._meta.label_lower)
    return PickerWidget(queryset=queryset, entry=entry) if entry else forms.NumberInput()


class ServiceErrors:
    """For a form whose input a service then checks: the service's refusal shown on the form."""

    def add_service_error(self, error: ValidationError) -> None:
        """On its field when the form has one, else above the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)


class RecordForm(ServiceErrors, forms.ModelForm):
    """Base of the generated forms; `entry` and `user` are set by `record_form`."""

    entry: Entry

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name, field in self.fields.items():
            model_field = self._model_field(name)
            if model_field is not None and str(field.label) == str(model_field.verbose_name):
                field.label = field_label(self._meta.model, model_field)
            if isinstance(model_field, models.ForeignKey):
                self._scope_related(name, field, model_field)
            elif getattr(model_field, "choices", None) and isinstance(field, forms.TypedChoiceField):
                field.choices = translated_choices(field.choices)
        self._place_from_grid()
        self.order_fields(self.entry.form_fields)
        if self.is_bound:
            for name in self.entry.pii:
                if name in self.fields:
                    # What the user just typed comes back to them if the form has an error: nothing stored.
                    self.fields[name].widget.echo = True

    def _model_field(self, name):
        try:
            return self._meta.model._meta.get_field(name)
        except FieldDoesNotExist:  # a personal attribute: a property, not a model field
            return None

    def _scope_related(self, name, field, model_field):
        # A row outside the user's places never appears as a choice, and a posted one is refused as invalid; the
        # record's own place only among the places where the user may write it.
        if name in ("community", "grid"):
            places = writable_places(self.user, self._meta.model._meta.label_lower)
            field.queryset = places[0] if name == "community" else places[1]
        else:
            field.queryset = model_field.related_model.objects.visible_to(self.user)
        if is_large(model_field):
            field.widget = pick_widget_for(model_field, field.queryset)
        elif field.required and self.instance.pk is None and not self.initial.get(name):
            only = list(field.queryset[:2])
            if len(only) == 1:  # a secretary's own community: chosen already
                self.initial[name] = only[0].pk

    def _place_from_grid(self):
        # A grid worker writes in their grids, not in a whole community: they choose a grid, and the community
        # follows it (the model takes it: CommunityPlace.take_place).
        community, grid = self.fields.get("community"), self.fields.get("grid")
        if community is None or grid is None:
            return
        community.required = False
        label = self._meta.model._meta.label_lower
        if not Community.objects.visible_to(self.user, Action.CHANGE, on=label).exists():
            del self.fields["community"]
            grid.required = True

    def pii_values(self) -> dict:
        """Clear personal numbers to store; a blank one is left out, so an edit keeps the stored value."""
        return {name: self.cleaned_data[name] for name in self.entry.pii
                if name in self.fields and self.cleaned_data.get(name)}



class NumberEntry(forms.TextInput):
    """A personal number field that never pre-fills a stored number (blank keeps it on an edit).

    Only a form sent back with an error shows a number: exactly what the same user typed into it in this very
    request (`echo`, set on bound forms), so one wrong field does not cost them the number they typed. An
    unbound form shows none, not even one given in the address."""

    echo = False

    def format_value(self, value):
        return super().format_value(value) if self.echo else None


def _pii_field(model, name: str, editing: bool) -> forms.CharField:
    kind = pii_kind(name)
    help_text = gettext_lazy("留空则保持原号码不变。") if editing else ""
    return forms.CharField(label=pii_label(model, name), required=False, max_length=32, help_text=help_text,
                           widget=NumberEntry(attrs={"autocomplete": "off", "inputmode":
                                                     "text" if kind == "id_number" else "tel"}))


def _pii_cleaner(model, name: str):
    def clean(self):
        value = self.cleaned_data.get(name, "").strip()
        return number_clean(model, name, value, instance=self.instance) if value else ""

    return clean


def record_form(entry: Entry, *, editing: bool) -> type[RecordForm]:
    """The form class of one entry; personal attributes get a validated text field each."""
    model = entry.model
    fields = [name for name in entry.form_fields if name not in entry.pii]
    widgets = {f.name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
               for f in model._meta.fields if isinstance(f, models.DateField) and f.name in fields}
    # An app's own widget for a field (a boundary drawn on a map), named in its entry.
    widgets.update({name: import_string(path)() for name, path in entry.widgets.items() if name in fields})
    meta = type("Meta", (), {"model": model, "fields": fields, "widgets": widgets})
    attrs = {"Meta": meta, "entry": entry}
    for name in entry.pii:
        if name in entry.form_fields:
            attrs[name] = _pii_field(model, name, editing)
            attrs[f"clean_{name}"] = _pii_cleaner(model, name)
    return type(f"{model.__name__}Form", (RecordForm,), attrs)
