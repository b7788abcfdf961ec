"""Record forms, generated from a registry entry's `form_fields`, with every choice of a related row scoped.

Personal numbers are plain text fields that are never pre-filled: on an edit, blank keeps the stored value.
The form validates; `record_save` (the only way pages write) re-checks scope and writes.
"""

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from banyan.core.pii import keyed_hash
from banyan.core.registry import BY_LABEL, Entry
from banyan.core.validators import validate_id_number, validate_mobile

# Related rows that number in the thousands: a <select> of them would be megabytes on a phone, so they are
# chosen by number, with a search box beside it (see PickerWidget).
LARGE_MODELS = {"people.household", "people.resident", "people.rentalroom", "people.rentalproperty",
                "places.building", "places.dwelling"}
LARGE_FIELD_NAMES = {"parent"}


def is_large(field) -> bool:
    return field.related_model._meta.label_lower in LARGE_MODELS or field.name in LARGE_FIELD_NAMES


def pii_kind(name: str) -> str:
    """The kind of a personal attribute: every one is an ID number or a (mobile) phone number."""
    return "id_number" if name.endswith("id_number") else "phone"


def pii_label(model, name: str) -> str:
    return model._meta.get_field(f"{name}_masked").verbose_name


def translated_choices(choices):
    # Some code lists are plain Chinese strings in the models; the catalog translates them all the same.
    return [(value, _(str(label))) for value, label in choices]


class PickerWidget(forms.NumberInput):
    """The number of a related row, with a search box that lists matching rows the user can see (htmx).

    Rendered here rather than from a template: the form renderer only reads the apps' template folders.
    """

    def __init__(self, *, queryset, slug: str, attrs=None):
        super().__init__(attrs={"inputmode": "numeric", "min": 1, "class": "picker-id", **(attrs or {})})
        self.queryset, self.slug = queryset, slug

    def render(self, name, value, attrs=None, renderer=None):
        number = super().render(name, value, attrs, renderer)
        chosen = self.queryset.filter(pk=value).first() if str(value or "").isdigit() else None
        # The search box belongs to no form (form=""), so it is never submitted with the record.
        return format_html(
            '<div class="picker">'
            '<input type="search" class="picker-q" name="q" form="" autocomplete="off" placeholder="{hint}" '
            'aria-label="{hint}" hx-get="{url}" hx-trigger="input changed delay:300ms, search" '
            'hx-target="next .picker-results" hx-sync="this:replace">'
            '<div class="picker-results" aria-live="polite"></div>'
            '<span class="picker-number">{number_label}{number}</span><span class="picker-chosen">{chosen}</span>'
            '</div>',
            number=number, number_label=_("编号"), chosen=str(chosen) if chosen else _("未选择"),
            hint=_("输入名称、地址搜索后点选"), url=reverse("record-pick", args=[self.slug]))


def pick_widget_for(field, queryset) -> forms.Widget:
    entry = BY_LABEL.get(field.related_model._meta.label_lower)
    return PickerWidget(queryset=queryset, slug=entry.slug) if entry else forms.NumberInput()


class RecordForm(forms.ModelForm):
    """Base of the generated forms; `entry` and `user` are set by `record_form`."""

    entry: Entry

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name, field in self.fields.items():
            model_field = self._model_field(name)
            if isinstance(model_field, models.ForeignKey):
                self._scope_related(name, field, model_field)
            elif getattr(model_field, "choices", None) and isinstance(field, forms.TypedChoiceField):
                field.choices = translated_choices(field.choices)
        self._place_from_grid()
        self.order_fields(self.entry.form_fields)
        if self.is_bound:
            for name in self.entry.pii:
                if name in self.fields:
                    self.fields[name].help_text = _("号码不会显示在页面上：如需修改，请重新输入。")

    def _model_field(self, name):
        try:
            return self._meta.model._meta.get_field(name)
        except FieldDoesNotExist:  # a personal attribute: a property, not a model field
            return None

    def _scope_related(self, name, field, model_field):
        # A row outside the user's places never appears as a choice, and a posted one is refused as invalid.
        field.queryset = model_field.related_model.objects.visible_to(self.user)
        if is_large(model_field):
            field.widget = pick_widget_for(model_field, field.queryset)
        elif field.required and self.instance.pk is None and not self.initial.get(name):
            only = list(field.queryset[:2])
            if len(only) == 1:  # a secretary's own community: chosen already
                self.initial[name] = only[0].pk

    def _place_from_grid(self):
        # A grid worker cannot see communities, only their grids: the community then follows the grid.
        community, grid = self.fields.get("community"), self.fields.get("grid")
        if community is None or grid is None:
            return
        community.required = False
        if not community.queryset.exists():
            del self.fields["community"]
            grid.required = True

    def clean(self):
        cleaned = super().clean()
        if "grid" in self.fields and not cleaned.get("community") and "community" not in self.errors:
            if cleaned.get("grid") is not None:
                cleaned["community"] = cleaned["grid"].community
            elif "community" in self.fields:
                self.add_error("community", _("请选择社区，或选择网格。"))
        self._derive_place(cleaned)
        return cleaned

    def _derive_place(self, cleaned):
        """Dwellings, rental rooms and tenancies are where their parent is; the form does not ask.

        Their models copy the place columns in save(), but record_save validates the record before saving,
        so the columns are copied here from the first chosen parent that has them.
        """
        if "community" in self.fields or "community" in cleaned or not hasattr(self.instance, "community_id"):
            return
        for name in self.entry.form_fields:
            parent = cleaned.get(name)
            if isinstance(parent, models.Model) and hasattr(parent, "community_id"):
                self.instance.community_id = parent.community_id
                self.instance.grid_id = getattr(parent, "grid_id", None)
                return

    def pii_values(self) -> dict:
        """Clear personal numbers to store; a blank one is left out, so an edit keeps the stored value."""
        return {name: self.cleaned_data[name] for name in self.entry.pii
                if name in self.fields and self.cleaned_data.get(name)}

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's refusal on the form: on its field when the form has one, else above the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else None, errors)


class NumberEntry(forms.TextInput):
    """A personal number field that never writes a number back into the page, not even the one just typed
    when the form comes back with an error: clear numbers appear in no response but a permitted reveal."""

    def format_value(self, value):
        return None


def _pii_field(model, name: str, editing: bool) -> forms.CharField:
    kind = pii_kind(name)
    help_text = gettext_lazy("留空则保持原号码不变。") if editing else ""
    return forms.CharField(label=pii_label(model, name), required=False, max_length=32, help_text=help_text,
                           widget=NumberEntry(attrs={"autocomplete": "off", "inputmode":
                                                     "text" if kind == "id_number" else "tel"}))


def _pii_cleaner(model, name: str):
    validator = validate_id_number if pii_kind(name) == "id_number" else validate_mobile
    unique = _is_unique_hash(model, name)

    def clean(self):
        value = self.cleaned_data.get(name, "").strip()
        if not value:
            return ""
        value = validator(value)
        if unique and model._default_manager.filter(**{f"{name}_hash": keyed_hash(value)}) \
                .exclude(pk=self.instance.pk).exists():
            # Checked over all places on purpose: the number may be registered only once in the district.
            raise ValidationError(_("该身份证号已登记。") if pii_kind(name) == "id_number" else _("该号码已登记。"))
        return value

    return clean


def _is_unique_hash(model, name: str) -> bool:
    return any(isinstance(c, models.UniqueConstraint) and tuple(c.fields) == (f"{name}_hash",)
               for c in model._meta.constraints)


def record_form(entry: Entry, *, editing: bool) -> type[RecordForm]:
    """The form class of one entry; personal attributes get a validated text field each."""
    model = entry.model
    fields = [name for name in entry.form_fields if name not in entry.pii]
    widgets = {f.name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
               for f in model._meta.fields if isinstance(f, models.DateField) and f.name in fields}
    meta = type("Meta", (), {"model": model, "fields": fields, "widgets": widgets})
    attrs = {"Meta": meta, "entry": entry}
    for name in entry.pii:
        if name in entry.form_fields:
            attrs[name] = _pii_field(model, name, editing)
            attrs[f"clean_{name}"] = _pii_cleaner(model, name)
    return type(f"{model.__name__}Form", (RecordForm,), attrs)
