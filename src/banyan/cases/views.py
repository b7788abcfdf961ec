"""Pages of cases, deliberations and projects. Thin: the services change state, the selectors read.

- Cases: the list with quick filters (待派单, 办理中, 已超期, 重难点) and a 登记诉求 button; the record form
  (`/cases/record/`); a case's page with its state, deadline, suggested category (confirm in one tap), the step
  forms this user may take now, similar open cases (merge), the timeline, merged duplicates and the project. Each
  step posts to `/cases/<pk>/step/<step>/`, which calls its service; a refusal comes back on the step's form and
  nothing changes. A case has no generic edit or delete (its entry allows no writes).
- Deliberations: the agenda built from the community's open cases, and a decision turned into a project that the
  agenda's cases are linked to.
- Projects: milestones, progress, photos, the linked cases. The public progress board of a community lists its
  public projects, without any personal data.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST

from banyan.accounts.roles import Action
from banyan.cases import forms as case_forms
from banyan.cases import selectors, services
from banyan.cases.models import Case, CaseAttachment, CaseState, Deliberation, Milestone, Project, ProjectPhoto
from banyan.core.registry import BY_LABEL
from banyan.core.scoping import can, get_visible_or_404, may_act
from banyan.core.services import record_save
from banyan.core.views import (
    RecordDetail,
    RecordList,
    cell,
    columns,
    crumbs,
    detail_joins,
    is_htmx,
    listing,
    page_of,
    place_chain,
)
from banyan.places.models import Community

# What the case page names, in the query that fetches the case: every related record the generic page names, and
# what the summary and the steps read.
CASE_JOINS = tuple(dict.fromkeys((*detail_joins(Case), "community__town", "unit", "category", "suggested_category",
                                  "time_limit", "project", "merged_into", "deliberation", "building")))


def _refusal(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("您没有此操作的权限。")


# ---------------------------------------------------------------------------------------------------------------
# The steps of a case: form, title, what the button says, the service call, what the user is told.


class Step:
    def __init__(self, form, title, run, done, *, button=None, danger=False):
        self.form, self.title, self.run, self.done = form, title, run, done
        self.button, self.danger = button or title, danger


def _merge(case, by, data):
    target = Case.objects.visible_to(by, Action.CHANGE).filter(pk=data["into"]).first()
    if target is None:
        raise ValidationError(_("要合并到的诉求不存在或不在您的管辖范围内。"))
    return services.case_merge(case=case, into=target, by=by, note=data["note"])


STEP_SPECS = {
    "categorise": Step(case_forms.CategoriseForm, gettext_lazy("确认分类"),
                       lambda c, by, d: services.case_categorise(case=c, category=d["category"], by=by),
                       gettext_lazy("分类已确认。"), button=gettext_lazy("保存分类")),
    "dispatch": Step(case_forms.DispatchForm, gettext_lazy("派单"),
                     lambda c, by, d: services.case_dispatch(case=c, unit=d["unit"], by=by, note=d["note"]),
                     gettext_lazy("已派单。")),
    "accept": Step(case_forms.NoteForm, gettext_lazy("签收办理"),
                   lambda c, by, d: services.case_accept(case=c, by=by, note=d["note"]),
                   gettext_lazy("已签收，开始办理。")),
    "return": Step(case_forms.ReasonForm, gettext_lazy("退回"),
                   lambda c, by, d: services.case_return(case=c, by=by, reason=d["reason"]),
                   gettext_lazy("已退回，等待重新派单。"), button=gettext_lazy("确认退回"), danger=True),
    "reply": Step(case_forms.ReplyForm, gettext_lazy("答复"),
                  lambda c, by, d: services.case_reply(case=c, by=by, reply=d["reply"], photos=d["photos"]),
                  gettext_lazy("已答复。")),
    "follow_up": Step(case_forms.FollowUpForm, gettext_lazy("回访"),
                      lambda c, by, d: services.case_follow_up(case=c, by=by, satisfaction=d["satisfaction"],
                                                               note=d["note"]),
                      gettext_lazy("已记录回访。")),
    "close": Step(case_forms.NoteForm, gettext_lazy("办结"),
                  lambda c, by, d: services.case_close(case=c, by=by, note=d["note"]), gettext_lazy("已办结。")),
    "reopen": Step(case_forms.ReasonForm, gettext_lazy("重新办理"),
                   lambda c, by, d: services.case_reopen(case=c, by=by, reason=d["reason"]),
                   gettext_lazy("已重新办理。")),
    "escalate": Step(case_forms.ReasonForm, gettext_lazy("上报"),
                     lambda c, by, d: services.case_escalate(case=c, by=by, reason=d["reason"]),
                     gettext_lazy("已上报上一级。")),
    "flag_difficult": Step(case_forms.ReasonForm, gettext_lazy("列为重难点"),
                           lambda c, by, d: services.case_flag_difficult(case=c, by=by, reason=d["reason"]),
                           gettext_lazy("已列为重难点并上报。")),
    "petition_forward": Step(case_forms.RequiredNoteForm, gettext_lazy("信访上报"),
                             lambda c, by, d: services.case_petition_forward(case=c, by=by, note=d["note"]),
                             gettext_lazy("信访件已上报。")),
    "instruct": Step(case_forms.InstructForm, gettext_lazy("批示"),
                     lambda c, by, d: services.case_instruct(case=c, by=by, instruction=d["instruction"]),
                     gettext_lazy("批示已下达。")),
    "extend": Step(case_forms.ReasonForm, gettext_lazy("延长办理期限"),
                   lambda c, by, d: services.case_extend(case=c, by=by, reason=d["reason"]),
                   gettext_lazy("办理期限已延长。")),
    "merge": Step(case_forms.MergeForm, gettext_lazy("合并"), _merge, gettext_lazy("已合并到该诉求。")),
    "note": Step(case_forms.NotePhotosForm, gettext_lazy("补充说明"),
                 lambda c, by, d: services.case_note(case=c, by=by, note=d["note"], photos=d["photos"]),
                 gettext_lazy("已补充说明。")),
}
# Steps whose form is only a button elsewhere on the page (a similar case's 合并, the suggested category's 确认).
INLINE_STEPS = {"merge"}


def step_form(step: str, case: Case, data=None, files=None):
    spec = STEP_SPECS[step]
    if spec.form is case_forms.DispatchForm:
        return spec.form(data, files, case=case, prefix=step)
    initial = {"category": case.category_id or case.suggested_category_id} if step == "categorise" else None
    return spec.form(data, files, prefix=step if step != "merge" else None, initial=initial)


class CaseList(RecordList):
    """The generic list, narrowed by a quick filter (`?quick=`), with a 登记诉求 button for who may record."""

    template_name = "cases/case_list.html"

    def get(self, request, entry):
        found = listing(request, entry)
        quick = request.GET.get("quick", "")
        if quick in selectors.QUICK:
            found.rows = found.rows.filter(selectors.QUICK[quick]())
        page = page_of(found.rows, request.GET.get("page"), searched=bool(found.q))
        cols = columns(self.model, entry.list_fields)
        rows = [{"url": reverse("record-detail", args=[entry.slug, obj.pk]),
                 "overdue": obj.is_open and obj.overdue,
                 "difficult": obj.difficult,
                 "cells": [dict(zip(("text", "url"), cell(obj, c, request.user), strict=True), label=c.label)
                           for c in cols]} for obj in page]
        place = found.place or self._filtered_place(found) or self._home_place(request.user)
        context = self.context(
            listing=found, page=page, rows=rows, quick=quick,
            quick_filters=[{"key": k, "label": label, "active": k == quick} for k, label in QUICK_LABELS],
            headers=[{"label": c.label, "name": c.name, "sortable": c.name not in entry.pii,
                      "sort": c.name if found.order != c.name else f"-{c.name}",
                      "active": found.order.removeprefix("-") == c.name, "desc": found.order.startswith("-")}
                     for c in cols],
            filtered=any(request.GET.get(n) for n in found.filterset.form.fields),
            crumbs=crumbs(request.user, place_chain(place)) if place is not None else [],
            can_record=can(request.user, Action.CHANGE, self.model),
            can_export=can(request.user, Action.EXPORT, self.model),
        )
        template = f"{self.template_name}#results" if is_htmx(request) else self.template_name
        return render(request, template, context)


QUICK_LABELS = (("waiting", gettext_lazy("待派单")), ("handling", gettext_lazy("办理中")),
                ("overdue", gettext_lazy("已超期")), ("difficult", gettext_lazy("重难点")))


class CaseDetail(RecordDetail):
    """A case's page. `failed`: a step form sent back with its refusal (set by `case_step`)."""

    template_name = "cases/case_detail.html"
    failed: dict | None = None

    def record(self, pk):
        return get_visible_or_404(Case, self.request.user, pk, related=CASE_JOINS)

    def page_context(self, obj, **extra) -> dict:
        context = super().page_context(obj, **extra)
        hidden = {"title", "state", "unit", "level", "due_at", "suggested_category", "merged_into", "project"}
        context["fields"] = [f for f in context["fields"] if f["name"] not in hidden and (f["text"] or f["pii"])]
        context["case"] = obj
        context["state_class"] = "done" if obj.state in (CaseState.CLOSED, CaseState.MERGED) else \
            "warn" if obj.state in (CaseState.RETURNED, CaseState.REOPENED) else "open"
        return context

    def panels(self, obj) -> list[dict]:
        user, failed = self.request.user, self.failed or {}
        steps = selectors.case_steps(user, obj)
        forms = []
        for step in steps:
            if step in INLINE_STEPS:
                continue
            spec = STEP_SPECS[step]
            forms.append({"step": step, "title": spec.title, "button": spec.button, "danger": spec.danger,
                          "form": failed.get(step) or step_form(step, obj), "open": step in failed,
                          "url": reverse("case-step", args=[obj.pk, step])})
        out = [{"template": "cases/_case_summary.html", "case": obj,
                "confirm": "categorise" in steps and obj.suggested_category_id
                and obj.suggested_category_id != obj.category_id,
                "confirm_url": reverse("case-step", args=[obj.pk, "categorise"])}]
        if forms:
            out.append({"template": "cases/_case_steps.html", "forms": forms})
        if "merge" in steps:
            similar = selectors.similar_open(obj, user)
            out.append({"template": "cases/_case_similar.html", "similar": similar, "case": obj,
                        "form": failed.get("merge"), "url": reverse("case-step", args=[obj.pk, "merge"])})
        merged = list(selectors.merged_duplicates(user, obj))
        if merged or obj.project_id or obj.merged_into_id:
            out.append({"template": "cases/_case_links.html", "merged": merged, "case": obj,
                        "project_url": reverse("record-detail", args=["projects", obj.project_id])
                        if obj.project_id and can(user, Action.VIEW, Project) else None,
                        "into_url": reverse("record-detail", args=["cases", obj.merged_into_id])
                        if obj.merged_into_id else None})
        out.append({"template": "cases/_case_timeline.html", "events": selectors.case_timeline(obj)})
        return out

    def actions(self, obj) -> list[dict]:
        if not can(self.request.user, Action.CHANGE, Case):
            return []
        return [{"label": _("登记诉求"), "url": reverse("case-record"), "primary": False}]


@login_required
@require_POST
def case_step(request, pk, step):
    """One step of a case, through its service. A step this user may not take now, or a refusal of the service,
    is shown on the case's page and changes nothing; a case outside the user's places is a 404."""
    user = request.user
    case = get_visible_or_404(Case, user, pk, related=CASE_JOINS)
    if step not in STEP_SPECS:
        raise Http404
    spec = STEP_SPECS[step]
    if step not in selectors.case_steps(user, case):
        messages.error(request, _("诉求当前为“%(state)s”，您不能%(step)s。")
                       % {"state": case.get_state_display(), "step": spec.title})
        return redirect("record-detail", "cases", case.pk)
    form = step_form(step, case, request.POST, request.FILES)
    if form.is_valid():
        try:
            spec.run(case, user, form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        except PermissionDenied as error:
            form.add_error(None, _refusal(error))
        else:
            messages.success(request, spec.done)
            target = form.cleaned_data["into"] if step == "merge" else case.pk
            return redirect("record-detail", "cases", target)
    view = CaseDetail()
    view.setup(request, entry=BY_LABEL["cases.case"], pk=case.pk)
    view.failed = {step: form}
    messages.error(request, _("未能%(step)s：%(why)s") % {"step": spec.title, "why": " ".join(
        str(e) for errors in form.errors.values() for e in errors)})
    case = view.record(case.pk)  # as stored: the refused step changed nothing
    return render(request, view.template_name, view.page_context(case), status=200)


class CaseRecord(View):
    """`/cases/record/`: a concern recorded on someone's behalf, then its page with the similar open cases."""

    template_name = "cases/record.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?next={request.path}")
        if not can(request.user, Action.CHANGE, Case):
            raise PermissionDenied(_("您没有登记诉求的权限。"))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        initial = {k: v for k, v in request.GET.items() if k in ("deliberation", "channel", "grid", "community")}
        if "deliberation" in initial:
            initial.setdefault("channel", Case.Channel.DELIBERATION)
        return self.show(case_forms.CaseRecordForm(user=request.user, initial=initial))

    def post(self, request):
        form = case_forms.CaseRecordForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                case = services.case_receive(by=request.user, **form.service_values())
            except ValidationError as error:
                form.add_service_error(error)
            except PermissionDenied as error:
                form.add_error(None, _refusal(error))
            else:
                messages.success(request, _("已登记，查询码 %(code)s。请看下面是否有相同的诉求可以合并。")
                                 % {"code": case.tracking_code})
                return redirect(reverse("record-detail", args=["cases", case.pk]) + "#similar")
        return self.show(form)

    def show(self, form):
        return render(self.request, self.template_name, {
            "form": form, "title": _("登记诉求"), "cancel_url": reverse("record-list", args=["cases"])})


@login_required
def case_attachment(request, pk, attachment):
    """A case's photo, to who may see the case."""
    case = get_visible_or_404(Case, request.user, pk)
    row = get_object_or_404(CaseAttachment, pk=attachment, case=case)
    response = FileResponse(row.file.open("rb"), content_type=row.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------------------------------------------------------
# Deliberations.


class DeliberationDetail(RecordDetail):
    template_name = "cases/record_detail.html"
    project_form = None

    def panels(self, obj) -> list[dict]:
        user = self.request.user
        writable = may_act(user, obj, Action.CHANGE)
        visible = Case.objects.visible_to(user).values("pk")
        agenda = list(obj.agenda.filter(pk__in=visible).select_related("unit").order_by("received_at"))
        # Raised at the session (recorded with it) but not yet on its agenda: offered to put there in one tap.
        raised = list(obj.raised.filter(pk__in=visible).exclude(pk__in=[c.pk for c in agenda])
                      .order_by("received_at"))
        out = [{"template": "cases/_deliberation_agenda.html", "agenda": agenda, "raised": raised,
                "writable": writable,
                "candidates": list(selectors.agenda_candidates(user, obj)) if writable else [],
                "url": reverse("deliberation-agenda", args=[obj.pk]),
                "record_url": reverse("case-record") + f"?deliberation={obj.pk}"
                if writable and can(user, Action.CHANGE, Case) else None}]
        projects = list(obj.projects.all())
        may_project = writable and can(user, Action.CHANGE, Project)
        if projects or may_project:
            form = self.project_form or case_forms.ProjectFromDecisionForm(
                user=user, deliberation=obj, initial={"decision": obj.decisions, "public": True,
                                                      "cases": [c.pk for c in agenda]})
            out.append({"template": "cases/_deliberation_projects.html", "projects": projects,
                        "form": form if may_project else None, "open": self.project_form is not None,
                        "linkable": bool(agenda or raised),
                        "url": reverse("deliberation-project", args=[obj.pk])})
        return out


def _deliberation_page(request, obj, **attrs):
    view = DeliberationDetail()
    view.setup(request, entry=BY_LABEL["cases.deliberation"], pk=obj.pk)
    for name, value in attrs.items():
        setattr(view, name, value)
    return render(request, view.template_name, view.page_context(view.record(obj.pk)))


@login_required
@require_POST
def deliberation_agenda(request, pk):
    obj = get_visible_or_404(Deliberation, request.user, pk, Action.CHANGE)
    form = case_forms.AgendaForm(request.POST)
    add = request.POST.get("do") != "remove"
    case = None
    if form.is_valid():
        case = Case.objects.visible_to(request.user, Action.CHANGE).filter(pk=form.cleaned_data["case"]).first()
    if case is None:
        messages.error(request, _("请选择要列入或移出议程的诉求。"))
        return redirect("record-detail", "deliberations", obj.pk)
    try:
        services.deliberation_agenda_change(deliberation=obj, case=case, by=request.user, add=add)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, _("已列入议程。") if add else _("已移出议程。"))
    return redirect(reverse("record-detail", args=["deliberations", obj.pk]) + "#agenda")


@login_required
@require_POST
def deliberation_project(request, pk):
    """A decision becomes a project (written by record_save, so it has its event), and the chosen cases of the
    agenda are linked to it: their residents see that their concern became this project. All or nothing."""
    user = request.user
    obj = get_visible_or_404(Deliberation, user, pk, Action.CHANGE, related=("community__town",))
    form = case_forms.ProjectFromDecisionForm(request.POST, user=user, deliberation=obj)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                project = record_save(by=user, instance=Project(
                    community=obj.community, deliberation=obj, name=data["name"], decision=data["decision"],
                    owner=data["owner"], unit=data["unit"], budget=data["budget"], due_on=data["due_on"],
                    public=data["public"]))
                for case in data["cases"]:
                    services.case_link_project(case=case, project=project, by=user)
        except ValidationError as error:
            form.add_service_error(error)
        except PermissionDenied as error:
            form.add_error(None, _refusal(error))
        else:
            messages.success(request, _("已转为项目“%(name)s”，关联诉求%(n)d件。")
                             % {"name": project, "n": len(data["cases"])})
            return redirect("record-detail", "projects", project.pk)
    messages.error(request, _("项目未创建，请看下面标出的问题。"))
    return _deliberation_page(request, obj, project_form=form)


# ---------------------------------------------------------------------------------------------------------------
# Projects.


class ProjectDetail(RecordDetail):
    template_name = "cases/record_detail.html"
    milestone_form = None
    photo_form = None

    def panels(self, obj) -> list[dict]:
        user = self.request.user
        writable = may_act(user, obj, Action.CHANGE)
        return [{"template": "cases/_project_progress.html", "project": obj, "writable": writable,
                 "milestones": list(obj.milestones.order_by("due_on", "pk")),
                 "milestone_form": self.milestone_form or case_forms.MilestoneForm(),
                 "milestone_url": reverse("project-milestones", args=[obj.pk]),
                 "photos": [{"url": reverse("project-photo", args=[obj.pk, p.pk]), "caption": p.caption}
                            for p in obj.photos.all()],
                 "photo_form": self.photo_form or case_forms.ProjectPhotoForm(),
                 "photo_url": reverse("project-photos", args=[obj.pk]),
                 "cases": list(selectors.project_cases(user, obj)),
                 "board_url": reverse("board", args=[obj.community.code]) if obj.public else None}]


def _project_page(request, obj, **attrs):
    view = ProjectDetail()
    view.setup(request, entry=BY_LABEL["cases.project"], pk=obj.pk)
    for name, value in attrs.items():
        setattr(view, name, value)
    return render(request, view.template_name, view.page_context(view.record(obj.pk)))


@login_required
@require_POST
def project_milestones(request, pk):
    """Add a milestone, or mark one done (`done=<id>`): an event on the project's timeline each."""
    user = request.user
    project = get_visible_or_404(Project, user, pk, Action.CHANGE, related=detail_joins(Project))
    done = request.POST.get("done", "")
    if done:
        milestone = Milestone.objects.filter(project=project, pk=done if done.isdigit() else 0).first()
        if milestone is None:
            raise Http404
        if milestone.done_on is None:
            services.project_milestone_done(milestone=milestone, by=user)
            messages.success(request, _("节点“%(name)s”已完成。") % {"name": milestone})
        return redirect(reverse("record-detail", args=["projects", project.pk]) + "#milestones")
    form = case_forms.MilestoneForm(request.POST)
    if form.is_valid():
        services.project_milestone_add(project=project, by=user, **form.cleaned_data)
        messages.success(request, _("已添加节点。"))
        return redirect(reverse("record-detail", args=["projects", project.pk]) + "#milestones")
    return _project_page(request, project, milestone_form=form)


@login_required
@require_POST
def project_photos(request, pk):
    user = request.user
    project = get_visible_or_404(Project, user, pk, Action.CHANGE, related=detail_joins(Project))
    form = case_forms.ProjectPhotoForm(request.POST, request.FILES)
    if form.is_valid():
        services.project_photos_add(project=project, by=user, photos=form.cleaned_data["photos"],
                                    caption=form.cleaned_data["caption"])
        messages.success(request, _("已上传照片。"))
        return redirect(reverse("record-detail", args=["projects", project.pk]) + "#photos")
    return _project_page(request, project, photo_form=form)


@login_required
def project_photo(request, pk, photo):
    project = get_visible_or_404(Project, request.user, pk)
    row = get_object_or_404(ProjectPhoto, pk=photo, project=project)
    return FileResponse(row.file.open("rb"))


# ---------------------------------------------------------------------------------------------------------------
# The public progress board: no login, public projects only, no personal data.


STATUS_ORDER = {Project.Status.UNDERWAY: 0, Project.Status.PLANNED: 1, Project.Status.DONE: 2,
                Project.Status.SUSPENDED: 3}


def board(request, code):
    if "\x00" in code:  # no community's code; PostgreSQL would refuse to compare it (a 500)
        raise Http404
    community = get_object_or_404(Community.objects.select_related("town"), code=code)
    projects = sorted(selectors.board_projects(community), key=lambda p: (STATUS_ORDER.get(p.status, 9), -p.pk))
    rows = [{"project": p, "milestones": list(p.milestones.all()),
             "photos": [reverse("board-photo", args=[code, ph.pk]) for ph in p.photos.all()]} for p in projects]
    return render(request, "cases/board.html", {
        "community": community, "rows": rows, "title": _("%(community)s 项目进度公示") % {"community": community},
        "done": sum(1 for p in projects if p.status == Project.Status.DONE)})


def board_photo(request, code, photo):
    if "\x00" in code:
        raise Http404
    row = get_object_or_404(ProjectPhoto, pk=photo, project__public=True, project__community__code=code)
    response = FileResponse(row.file.open("rb"))
    response["Cache-Control"] = "public, max-age=86400"
    return response
