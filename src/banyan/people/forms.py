"""The forms of people's own pages: the resident form's refusal of a number registered elsewhere, the steps of a
resident's status, and transfer requests. They parse input only: the services decide, and their refusals come
back onto these forms (`add_service_error`)."""

from django import forms
from django.utils.translation import gettext_lazy

from banyan.accounts.roles import Action
from banyan.core.forms import ServiceErrors, pick_widget_for, record_form
from banyan.core.pii import number_clean
from banyan.people.models import Household, Resident
from banyan.people.selectors import REGISTERED_ELSEWHERE, id_number_refusal
from banyan.places.models import Community, Grid


def resident_form(entry, *, editing: bool):
    """The generated resident form, but a number registered in another community is answered with the way to
    ask for that person (a transfer request) instead of a bare "already registered"; the form then carries
    `registered_elsewhere` so its page can offer that request."""
    base = record_form(entry, editing=editing)

    class ResidentForm(base):
        registered_elsewhere = False

        def clean_id_number(self):
            # Uniqueness waits for clean(): whose community the number is in decides the answer.
            value = self.cleaned_data.get("id_number", "").strip()
            return number_clean(Resident, "id_number", value, taken=False) if value else ""

        def clean(self):
            cleaned = super().clean()
            number = cleaned.get("id_number")
            # A grid worker's form has no community: the record is in their grid's.
            community = cleaned.get("community") or getattr(cleaned.get("grid"), "community", None)
            refusal = number and id_number_refusal(number=number, community=community, instance=self.instance)
            if refusal:
                self.registered_elsewhere = refusal == str(REGISTERED_ELSEWHERE)
                self.add_error("id_number", refusal)
            return cleaned

    return ResidentForm


class ServiceForm(ServiceErrors, forms.Form):
    """A form of a service's input (a status step, a transfer request)."""


class StepForm(ServiceForm):
    """One step of a resident's status: its date and reason (and, moving out, where to)."""

    on = forms.DateField(label=gettext_lazy("日期"), required=False,
                         widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.CharField(label=gettext_lazy("原因"), required=False, max_length=200,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))
    destination = forms.CharField(label=gettext_lazy("迁往地"), required=False, max_length=200,
                                  help_text=gettext_lazy("如：广州市天河区"))

    def __init__(self, *args, step: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step
        labels = STEP_LABELS[step]
        self.fields["on"].label, self.fields["reason"].label = labels["on"], labels["reason"]
        self.fields["reason"].widget.attrs["placeholder"] = labels["hint"]
        if step != "move-out":
            del self.fields["destination"]


STEP_LABELS = {
    "move-out": {"title": gettext_lazy("迁出"), "on": gettext_lazy("迁出日期"), "reason": gettext_lazy("迁出原因"),
                 "hint": gettext_lazy("如：购房迁往外地、工作调动"),
                 "note": gettext_lazy("迁出后，该居民仍留在台账中，状态为“已迁出”，居民列表和统计默认不再包括；"
                                      "其出租屋入住登记同日结束。")},
    "death": {"title": gettext_lazy("死亡注销"), "on": gettext_lazy("死亡日期"), "reason": gettext_lazy("注销原因"),
              "hint": gettext_lazy("如：病故，依据死亡医学证明"),
              "note": gettext_lazy("注销后，该居民仍留在台账中，状态为“已死亡”，居民列表和统计默认不再包括；"
                                   "其出租屋入住登记同日结束。")},
    "move-in": {"title": gettext_lazy("迁回本社区"), "on": gettext_lazy("迁入日期"), "reason": gettext_lazy("迁入原因"),
                "hint": gettext_lazy("如：返乡居住"),
                "note": gettext_lazy("迁入后，该居民恢复在册。")},
}


class TransferRequestForm(ServiceForm):
    """Ask for a person registered in another community: their ID number, why, and where they would live here."""

    id_number = forms.CharField(label=gettext_lazy("身份证号"), max_length=32,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    reason = forms.CharField(label=gettext_lazy("申请事由"), required=False, max_length=200,
                             widget=forms.Textarea(attrs={"rows": 3}))
    to_community = forms.ModelChoiceField(label=gettext_lazy("迁入社区"), queryset=Community.objects.none(),
                                          required=False)
    to_grid = forms.ModelChoiceField(label=gettext_lazy("迁入网格"), queryset=Grid.objects.none(), required=False)
    to_household = forms.ModelChoiceField(label=gettext_lazy("迁入户"), queryset=Household.objects.none(),
                                          required=False, help_text=gettext_lazy("可不选；迁入后再编入户。"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        communities = Community.objects.visible_to(user, Action.CHANGE, on="people.resident")
        self.fields["to_community"].queryset = communities
        self.fields["to_grid"].queryset = Grid.objects.visible_to(user, Action.CHANGE, on="people.resident") \
            .select_related("community")
        households = Household.objects.visible_to(user, Action.CHANGE)
        self.fields["to_household"].queryset = households
        self.fields["to_household"].widget = pick_widget_for(Resident._meta.get_field("household"), households)
        only = list(communities[:2])
        if not only:  # a grid worker asks for a grid of theirs; the community follows from it
            del self.fields["to_community"]
            self.fields["to_grid"].required = True
        elif len(only) == 1 and not self.initial.get("to_community"):
            self.initial["to_community"] = only[0].pk


class DecisionForm(ServiceForm):
    note = forms.CharField(label=gettext_lazy("处理意见"), required=False, max_length=200,
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))
