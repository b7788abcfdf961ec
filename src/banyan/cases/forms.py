"""The forms of the staff pages of cases. They parse input only: the services decide, and their refusals come back
onto these forms (`add_service_error`)."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from banyan.accounts.roles import Action
from banyan.cases.models import Case, Category, Deliberation, Unit
from banyan.core.forms import ServiceErrors, pick_widget_for
from banyan.core.scoping import writable_places
from banyan.places.models import Building, Community, Grid

# What staff and party members record on someone's behalf; the QR code, the app and Open311 are the residents'
# own doors and never typed in by hand.
STAFF_CHANNELS = (Case.Channel.WALK_IN, Case.Channel.PHONE, Case.Channel.VISIT, Case.Channel.WECHAT,
                  Case.Channel.DELIBERATION, Case.Channel.HOTLINE)
MAX_PHOTOS = 6


class ServiceForm(ServiceErrors, forms.Form):
    """A form of a service's input."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, CategoryField):
                # Read the tree once per form: a callable's choices are read again each time they are iterated.
                field.choices = category_choices()


class PhotosInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one control (a phone's camera or gallery); checked by `cases.photos.photos_clean`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", PhotosInput(attrs={"accept": "image/*", "multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("最多上传%(n)d张照片。") % {"n": MAX_PHOTOS})
        return [super(PhotosField, self).clean(f, initial) for f in files]


def photos_checked(files) -> list[tuple[str, str, bytes]]:
    """Uploaded photos as the services store them (name, content type, bytes), checked and cleaned by
    `cases.photos`. Without that module installed no photo is taken, and the user is told so."""
    if not files:
        return []
    try:
        from banyan.cases.photos import photos_clean
    except ImportError:
        raise ValidationError(_("暂时无法上传照片，请先不附照片提交。")) from None
    return list(photos_clean(files))


def category_choices() -> list:
    """The category tree as a grouped list: each top category a group holding itself and its children."""
    rows = list(Category.objects.order_by("order", "code").values_list("pk", "name", "parent_id"))
    children: dict = {}
    for pk, name, parent in rows:
        children.setdefault(parent, []).append((pk, name))
    out = [("", _("（暂不分类）"))]
    for pk, name in children.get(None, []):
        below = [(c, f"{name} · {cname}") for c, cname in children.get(pk, [])]
        for c, _cname in list(below):
            below += [(g, f"{name} · {gname}") for g, gname in children.get(c, [])]
        out.append((name, [(pk, name), *below]) if below else (pk, name))
    return out


class CategoryField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=category_choices, coerce=self.to_category, empty_value=None, **kwargs)

    @staticmethod
    def to_category(value):
        return Category.objects.filter(pk=value).first()


class CaseRecordForm(ServiceForm):
    """A concern recorded on someone's behalf: at a walk-in, on the phone, on a visit, from a WeChat group or at a
    deliberation. Only places where the user may write cases are offered."""

    kind = forms.TypedChoiceField(label=gettext_lazy("类型"), choices=Case.Kind.choices, initial=Case.Kind.REQUEST)
    channel = forms.TypedChoiceField(label=gettext_lazy("来源渠道"),
                                     choices=[(c.value, c.label) for c in STAFF_CHANNELS])
    community = forms.ModelChoiceField(label=gettext_lazy("社区"), queryset=Community.objects.none(), required=False)
    grid = forms.ModelChoiceField(label=gettext_lazy("网格"), queryset=Grid.objects.none(), required=False)
    building = forms.ModelChoiceField(label=gettext_lazy("楼栋"), queryset=Building.objects.none(), required=False,
                                      help_text=gettext_lazy("可不选；选了楼栋，社区和网格按楼栋所在填写。"))
    title = forms.CharField(label=gettext_lazy("标题"), max_length=100, required=False,
                            help_text=gettext_lazy("一句话概括，如：村前路路灯不亮"))
    description = forms.CharField(label=gettext_lazy("反映内容"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    category = CategoryField(label=gettext_lazy("分类"), required=False,
                             help_text=gettext_lazy("不确定可不选，系统会给出建议分类，之后再确认。"))
    priority = forms.TypedChoiceField(label=gettext_lazy("紧急程度"), choices=Case.Priority.choices,
                                      initial=Case.Priority.NORMAL)
    address = forms.CharField(label=gettext_lazy("地点"), max_length=200, required=False)
    contact_name = forms.CharField(label=gettext_lazy("反映人"), max_length=30, required=False)
    contact_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=32, required=False,
                                    widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    photos = PhotosField(label=gettext_lazy("照片"), help_text=gettext_lazy("可拍照或从相册选择，最多6张。"))
    deliberation = forms.ModelChoiceField(label=gettext_lazy("议事会"), queryset=Deliberation.objects.none(),
                                          required=False,
                                          help_text=gettext_lazy("在榕树头议事会上提出的，选该次议事会。"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        communities, grids = writable_places(user, "cases.case")
        self.fields["community"].queryset = communities
        self.fields["grid"].queryset = grids.select_related("community")
        buildings = Building.objects.visible_to(user)
        self.fields["building"].queryset = buildings
        self.fields["building"].widget = pick_widget_for(Case._meta.get_field("building"), buildings)
        self.fields["deliberation"].queryset = Deliberation.objects.visible_to(user).order_by("-held_at")
        if not Community.objects.visible_to(user, Action.CHANGE, on="cases.case").exists():
            # A grid worker records in their grids; the community follows from the grid.
            del self.fields["community"]
            self.fields["grid"].required = True
        else:
            only = list(communities[:2])
            if len(only) == 1 and not self.initial.get("community"):
                self.initial["community"] = only[0].pk
        if not self.fields["deliberation"].queryset.exists():
            del self.fields["deliberation"]

    def clean_contact_phone(self):
        from banyan.core.pii import number_clean

        value = self.cleaned_data.get("contact_phone", "").strip()
        return number_clean(Case, "contact_phone", value, taken=False) if value else ""

    def clean(self):
        cleaned = super().clean()
        grid, community, building = cleaned.get("grid"), cleaned.get("community"), cleaned.get("building")
        if building is not None:
            cleaned["community"] = building.community
            cleaned["grid"] = grid or building.grid
        elif grid is not None:
            if community is not None and community != grid.community:
                self.add_error("grid", _("所选网格不在所选社区内。"))
            cleaned["community"] = grid.community
        elif community is None and "community" in self.fields and not self.has_error("community"):
            self.add_error("community", _("请选择社区，或选择网格。"))
        if self.errors:
            return cleaned
        try:
            cleaned["photos"] = photos_checked(cleaned.get("photos"))
        except ValidationError as error:
            self.add_error("photos", error)
        return cleaned

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data.setdefault("deliberation", None)
        return data


# ---------------------------------------------------------------------------------------------------------------
# The steps of a case.


def _note(label, required=False, rows=2, max_length=500):
    return forms.CharField(label=label, required=required, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": rows}))


class CategoriseForm(ServiceForm):
    category = CategoryField(label=gettext_lazy("分类"), required=True)


class DispatchForm(ServiceForm):
    unit = forms.ModelChoiceField(label=gettext_lazy("承办单位"), queryset=Unit.objects.none())
    note = _note(gettext_lazy("派单说明"))

    def __init__(self, *args, case, **kwargs):
        from banyan.cases.services import units_for

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(case).order_by("community", "kind", "name")


class NoteForm(ServiceForm):
    note = _note(gettext_lazy("说明"))


class RequiredNoteForm(ServiceForm):
    note = _note(gettext_lazy("说明"), required=True)


class ReasonForm(ServiceForm):
    reason = _note(gettext_lazy("理由"), required=True)


class ReplyForm(ServiceForm):
    reply = _note(gettext_lazy("答复内容"), required=True, rows=4, max_length=5000)
    photos = PhotosField(label=gettext_lazy("照片"), help_text=gettext_lazy("如整改后的现场照片，最多6张。"))

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                cleaned["photos"] = photos_checked(cleaned.get("photos"))
            except ValidationError as error:
                self.add_error("photos", error)
        return cleaned


class FollowUpForm(ServiceForm):
    satisfaction = forms.ChoiceField(label=gettext_lazy("居民满意度"), choices=Case.Satisfaction.choices,
                                     widget=forms.RadioSelect)
    note = _note(gettext_lazy("回访记录"))


class InstructForm(ServiceForm):
    instruction = _note(gettext_lazy("批示内容"), required=True, rows=3)


class NotePhotosForm(ReplyForm):
    reply = None
    note = _note(gettext_lazy("说明"), required=True)


class MergeForm(ServiceForm):
    into = forms.IntegerField(widget=forms.HiddenInput)
    note = _note(gettext_lazy("说明"))


# ---------------------------------------------------------------------------------------------------------------
# Deliberations and projects.


class AgendaForm(ServiceForm):
    case = forms.IntegerField(widget=forms.HiddenInput)


class ProjectFromDecisionForm(ServiceForm):
    """A decision of a deliberation becomes a project; the agenda's cases that asked for it are linked."""

    name = forms.CharField(label=gettext_lazy("项目名称"), max_length=100)
    decision = _note(gettext_lazy("议定内容"), rows=3, max_length=5000)
    owner = forms.CharField(label=gettext_lazy("负责人"), max_length=50)
    unit = forms.ModelChoiceField(label=gettext_lazy("实施单位"), queryset=Unit.objects.none(), required=False)
    budget = forms.DecimalField(label=gettext_lazy("预算（元）"), max_digits=12, decimal_places=2, required=False,
                                min_value=0)
    due_on = forms.DateField(label=gettext_lazy("计划完成"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    public = forms.BooleanField(label=gettext_lazy("在进度公示栏公开"), required=False, initial=True)
    cases = forms.ModelMultipleChoiceField(label=gettext_lazy("关联的诉求"), queryset=Case.objects.none(),
                                           required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user, deliberation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.visible_to(user).filter(
            town_id=deliberation.community.town_id, active=True)
        # The agenda's cases, and those raised at the session: who asked for what the session decided.
        self.fields["cases"].queryset = Case.objects.visible_to(user, Action.CHANGE).filter(
            Q(deliberations=deliberation) | Q(deliberation=deliberation)).distinct().order_by("received_at")
        self.fields["cases"].label_from_instance = lambda c: f"{c.tracking_code} {c}"


class MilestoneForm(ServiceForm):
    name = forms.CharField(label=gettext_lazy("节点"), max_length=100)
    due_on = forms.DateField(label=gettext_lazy("计划日期"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class ProjectPhotoForm(ServiceForm):
    photos = PhotosField(label=gettext_lazy("照片"), required=True)
    caption = forms.CharField(label=gettext_lazy("说明"), max_length=100, required=False)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                cleaned["photos"] = photos_checked(cleaned.get("photos"))
            except ValidationError as error:
                self.add_error("photos", error)
        return cleaned
