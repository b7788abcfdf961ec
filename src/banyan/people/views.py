"""People's own pages, subclasses of the generic ones (core/views.py) named by their entries (people/entries.py).

- Residents: the list and its export show current residents unless 状态 says otherwise; a resident's page has the
  steps of their status (迁出, 死亡注销, 迁回) as buttons for who may change them, each opening its form on the
  same page (`?step=`) and posting back to it; delete is offered only for a record entered by mistake (by who
  entered it, within a day); the new-resident form answers a number registered in another community with a
  transfer request (`?transfer=1` on the same page), whose form carries over what was typed.
- Households: the page lists the members.
- Transfer requests: the page shows each side only what it may see, and the answer (accept, refuse) to the
  holding community's staff, withdrawal to the asking side.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from banyan.accounts.roles import Action
from banyan.core.scoping import get_visible_or_404
from banyan.core.services import entered_by_mistake
from banyan.core.views import RecordDelete, RecordDetail, RecordExport, RecordFormView, RecordList
from banyan.people import services
from banyan.people.forms import STEP_LABELS, DecisionForm, StepForm, TransferRequestForm, resident_form
from banyan.people.models import ResidentStatus, TransferRequest
from banyan.people.selectors import household_members, transfer_hidden_fields

# ---------------------------------------------------------------------------------------------------------------
# Residents.


def default_to_current(request) -> bool:
    """Lists and exports of residents show current residents when the address names no 状态 (its 全部 option
    sends an empty one: everyone). Whether the default was applied."""
    if "status" in request.GET:
        return False
    request.GET = request.GET.copy()
    request.GET["status"] = ResidentStatus.CURRENT
    return True


class ResidentList(RecordList):
    def get(self, request, entry):
        self.defaulted = default_to_current(request)
        return super().get(request, entry)

    def context(self, **extra):
        # The default alone does not open the filter panel: it is what the list is, not a choice the user made.
        if getattr(self, "defaulted", False) and "listing" in extra:
            fields = extra["listing"].filterset.form.fields
            extra["filtered"] = any(self.request.GET.get(n) for n in fields if n != "status")
        return super().context(**extra)


class ResidentExport(RecordExport):
    def get(self, request, entry, fmt):
        default_to_current(request)
        return super().get(request, entry, fmt)


def _may_change(user, obj) -> bool:
    return type(obj).objects.visible_to(user, Action.CHANGE).filter(pk=obj.pk).exists()


def _steps(resident) -> tuple[str, ...]:
    if resident.status == ResidentStatus.CURRENT:
        return ("move-out", "death")
    if resident.status == ResidentStatus.MOVED_OUT:
        return ("move-in",)
    return ()


STEP_SERVICES = {"move-out": services.resident_move_out, "death": services.resident_record_death,
                 "move-in": services.resident_move_in}
STEP_DONE = {"move-out": gettext_noop("已办理迁出。"), "death": gettext_noop("已办理死亡注销。"),
             "move-in": gettext_noop("已办理迁入，该居民恢复在册。")}
STATUS_FIELDS = ("status_on", "status_reason", "moved_to")


class ResidentDetail(RecordDetail):
    step_form: StepForm | None = None

    def get(self, request, entry, pk):
        obj = self.record(pk)
        step = request.GET.get("step", "")
        if step in _steps(obj) and _may_change(request.user, obj):
            self.step_form = StepForm(step=step, initial={"on": timezone.localdate()})
        return render(request, self.template_name, self.page_context(obj))

    def post(self, request, entry, pk):
        obj = self.record(pk)
        step = request.POST.get("step", "")
        if step not in STEP_SERVICES:
            return redirect("record-detail", entry.slug, obj.pk)
        form = StepForm(request.POST, step=step)
        if form.is_valid():
            try:
                STEP_SERVICES[step](resident=obj, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _(STEP_DONE[step]))
                return redirect("record-detail", entry.slug, obj.pk)
        self.step_form = form
        obj.refresh_from_db()
        return render(request, self.template_name, self.page_context(obj))

    def page_context(self, obj, **extra) -> dict:
        context = super().page_context(obj, **extra)
        user = self.request.user
        if obj.status == ResidentStatus.CURRENT:
            # A current resident's last status change says nothing new: its empty lines are left out.
            context["fields"] = [f for f in context["fields"] if f["name"] not in STATUS_FIELDS or f["text"]]
        else:
            # Who moved out or died: that comes first, before what the record says about where they lived.
            first = ("status", *STATUS_FIELDS)
            context["fields"] = sorted(context["fields"], key=lambda f: first.index(f["name"])
                                       if f["name"] in first else len(first))
        # Leaving is a status change; delete is only for a record entered by mistake, so offered only then.
        context["can_delete"] = context["can_delete"] and entered_by_mistake(instance=obj, by=user)
        return context

    def panels(self, obj) -> list[dict]:
        out = []
        waiting = list(TransferRequest.objects.visible_to(self.request.user)
                       .filter(resident=obj, status=TransferRequest.Status.PENDING).select_related("to_community"))
        if waiting:
            out.append({"template": "people/_resident_transfers.html", "requests": waiting})
        if self.step_form is not None:
            step = self.step_form.step
            out.append({"template": "people/_resident_step.html", "form": self.step_form, "step": step,
                        "title": STEP_LABELS[step]["title"], "note": STEP_LABELS[step]["note"],
                        "cancel_url": reverse("record-detail", args=[self.entry.slug, obj.pk])})
        return out

    def actions(self, obj) -> list[dict]:
        if not _may_change(self.request.user, obj):
            return []
        url = reverse("record-detail", args=[self.entry.slug, obj.pk])
        return [{"label": STEP_LABELS[step]["title"], "url": f"{url}?step={step}#step", "primary": False}
                for step in _steps(obj)]


class ResidentDelete(RecordDelete):
    """Only a mistake is deleted: anyone else is sent back to the resident's page, told to record the move or
    the death instead (the service refuses the deletion all the same)."""

    def get(self, request, entry, pk):
        obj = get_visible_or_404(self.model, request.user, pk, Action.CHANGE)
        if not entered_by_mistake(instance=obj, by=request.user):
            messages.error(request, _("只有录入人可在录入后一天内删除误录的记录；其他情况请办理迁出或死亡注销。"))
            return redirect("record-detail", entry.slug, obj.pk)
        return super().get(request, entry, pk)


class ResidentFormView(RecordFormView):
    """The resident form, and at `?transfer=1` (new residents only) the transfer request form."""

    def form(self, instance, data=None):
        form_class = resident_form(self.entry, editing=instance.pk is not None)
        initial = {k: v for k, v in self.request.GET.items() if k in form_class.base_fields}
        return form_class(data, instance=instance, user=self.request.user, initial=initial)

    def get(self, request, entry, pk=None):
        if pk is None and "transfer" in request.GET:
            return self.show_transfer(TransferRequestForm(user=request.user))
        return super().get(request, entry, pk)

    def post(self, request, entry, pk=None):
        if pk is None and "transfer" in request.GET:
            return self.post_transfer(request)
        return super().post(request, entry, pk)

    def post_transfer(self, request):
        if request.POST.get("step") != "transfer":
            # Carried over from the resident form (its button): what the user typed there, not yet checked.
            carried = {"id_number": request.POST.get("id_number", ""), "to_community": request.POST.get("community"),
                       "to_grid": request.POST.get("grid"), "to_household": request.POST.get("household")}
            form = TransferRequestForm(user=request.user, initial={k: v for k, v in carried.items() if v})
            return self.show_transfer(form)
        form = TransferRequestForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                created = services.transfer_request(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("已提交迁入申请，等待对方社区处理。"))
                return redirect("record-detail", "transfer-requests", created.pk)
        return self.show_transfer(form)

    def show_transfer(self, form):
        return render(self.request, "people/transfer_form.html", self.context(
            form=form, title=_("申请迁入"), cancel_url=reverse("record-create", args=[self.entry.slug])))

    template_name = "people/resident_form.html"

    def show(self, form, instance, **extra):
        transfer_url = reverse("record-create", args=[self.entry.slug]) + "?transfer=1"
        return super().show(form, instance, transfer_url=transfer_url, **extra)


# ---------------------------------------------------------------------------------------------------------------
# Households.


def member_row(resident) -> dict:
    """A household member as the household page lists them (code lists named in the page's language)."""
    return {"name": resident.name, "url": reverse("record-detail", args=["residents", resident.pk]),
            "relation": _(resident.get_relation_display()) if resident.relation else "",
            "sex": _(resident.get_sex_display()), "age": resident.age,
            "residency": resident.get_residency_display(), "id_number": resident.id_number}


class HouseholdDetail(RecordDetail):
    def panels(self, obj) -> list[dict]:
        members = household_members(self.request.user, obj)
        base = reverse("record-list", args=["residents"])
        return [{"template": "people/_household_members.html", "members": [member_row(m) for m in members.shown],
                 "current": members.current, "former": members.former,
                 "more": members.current > len(members.shown),
                 "list_url": f"{base}?household={obj.pk}", "former_url": f"{base}?household={obj.pk}&status="}]


# ---------------------------------------------------------------------------------------------------------------
# Transfer requests.


TRANSFER_STEPS = {"accept": gettext_noop("已同意迁入，该居民已迁往申请社区。"),
                  "refuse": gettext_noop("已拒绝该迁入申请。"), "cancel": gettext_noop("已撤回该迁入申请。")}


# Lines of a request that say nothing while empty (no household chosen, no answer yet).
OPTIONAL_FIELDS = ("to_grid", "to_household", "decided_by", "decided_at", "decision_note")


class TransferRequestDetail(RecordDetail):
    decision_form: DecisionForm | None = None

    def post(self, request, entry, pk):
        obj = self.record(pk)
        step = request.POST.get("step", "")
        if step not in TRANSFER_STEPS:
            return redirect("record-detail", entry.slug, obj.pk)
        form = DecisionForm(request.POST)
        if form.is_valid():
            service = {"accept": services.transfer_accept, "refuse": services.transfer_refuse,
                       "cancel": services.transfer_cancel}[step]
            try:
                service(request=obj, by=request.user, note=form.cleaned_data["note"])
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _(TRANSFER_STEPS[step]))
                return redirect("record-detail", entry.slug, obj.pk)
        self.decision_form = form
        obj.refresh_from_db()
        return render(request, self.template_name, self.page_context(obj))

    def page_context(self, obj, **extra) -> dict:
        context = super().page_context(obj, **extra)
        hidden = transfer_hidden_fields(self.request.user, obj)
        context["fields"] = [f for f in context["fields"] if f["name"] not in hidden
                             and (f["text"] or f["name"] not in OPTIONAL_FIELDS)]
        return context

    def panels(self, obj) -> list[dict]:
        if obj.status != TransferRequest.Status.PENDING:
            return []
        user = self.request.user
        decide, cancel = services.may_decide(obj, user), services.may_cancel(obj, user)
        if not (decide or cancel):
            return []
        return [{"template": "people/_transfer_answer.html", "decide": decide, "cancel": cancel,
                 "form": self.decision_form or DecisionForm(), "obj": obj}]
