"""Import pages: upload a ledger, watch it validate, read the preview and the refused rows, confirm.
Export pages: watch a long export being built, download it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from banyan.accounts.roles import Action
from banyan.accounts.services import export_audit
from banyan.core.scoping import get_visible_or_404
from banyan.ledgers.kinds import KINDS
from banyan.ledgers.models import ExportJob, ImportJob
from banyan.ledgers.remap import import_job_remap, mapping_choices, may_remap
from banyan.ledgers.selectors import export_jobs, importable_kinds, may_export, refused_preview, visible_jobs
from banyan.ledgers.services import INLINE_EXPORT_ROWS, export_job_download, import_job_confirm, import_job_create
from banyan.ledgers.templates_xlsx import template_xlsx
from banyan.ledgers.undo import import_undo, may_undo
from banyan.places.models import Community

MAX_UPLOAD_MB = 200
# The 人口类别 of a whole file without that column: the names the import reads.
WHOLE_FILE_RESIDENCY = [("", gettext_lazy("按文件中的“人口类别”列")), ("户籍人口", gettext_lazy("户籍人口")),
                        ("常住人口", gettext_lazy("常住人口")), ("流动人口", gettext_lazy("流动人口"))]
RESIDENTS_ONLY = ("households", "residency")


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("台账类型"))
    file = forms.FileField(label=gettext_lazy("文件（.xlsx 或 .csv）"))
    community = forms.ModelChoiceField(label=gettext_lazy("导入到社区"), queryset=Community.objects.none(),
                                       required=False, help_text=gettext_lazy("文件没有“社区”列时必选"))
    strict = forms.BooleanField(label=gettext_lazy("严格模式：有任何错误行则全部不写入"), required=False)
    sheet = forms.CharField(label=gettext_lazy("工作表"), required=False, max_length=31,
                            help_text=gettext_lazy("Excel 文件有多个工作表时填写要导入的工作表名称；不填则读取第一个"))
    households = forms.BooleanField(
        label=gettext_lazy("按户号建户（户号不存在时按文件中的户号和地址新建户）"), required=False)
    residency = forms.ChoiceField(label=gettext_lazy("整份文件的人口类别"), choices=WHOLE_FILE_RESIDENCY,
                                  required=False, help_text=gettext_lazy("文件没有“人口类别”列时选择"))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.slug, k.title) for k in importable_kinds(user)]
        self.fields["community"].queryset = Community.objects.visible_to(user, Action.CHANGE, on="people.resident") \
            | Community.objects.visible_to(user, Action.CHANGE, on="party.partymember")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(_("文件超过%(n)dMB，请拆分后上传，或用命令行 banyan import 导入。")
                                        % {"n": MAX_UPLOAD_MB})
        if upload.name.lower().endswith(".xls"):
            raise forms.ValidationError(_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后再上传。"))
        if not upload.name.lower().endswith((".xlsx", ".xlsm", ".csv", ".txt")):
            raise forms.ValidationError(_("请上传 .xlsx 或 .csv 文件。"))
        if not upload.name.rpartition(".")[0].strip(" ."):
            raise forms.ValidationError(_("文件名只有扩展名，请先给文件起个名字（如“居民台账.xlsx”）再上传。"))
        return upload

    def options(self) -> dict:
        """What the user chose for the whole file (ImportJob.options): only what they chose."""
        data, out = self.cleaned_data, {}
        if data["sheet"].strip():
            out["sheet"] = data["sheet"].strip()
        if data["kind"] == "residents":
            if data["households"]:
                out["households"] = True
            if data["residency"]:
                out["fixed"] = {"residency": data["residency"]}
        return out


def _job_or_404(request, pk) -> ImportJob:
    return get_visible_or_404(ImportJob, request.user, pk)


@login_required
def import_list(request):
    kinds = importable_kinds(request.user)
    jobs = visible_jobs(request.user)[:50]
    if not kinds and not jobs:
        raise PermissionDenied(_("您没有导入台账的权限。"))
    return render(request, "ledgers/list.html", {"title": _("台账导入"), "jobs": jobs, "kinds": kinds,
                                                 "exportable": exportable_kinds(request.user)})


def exportable_kinds(user) -> list[dict]:
    """The kinds whose records the user may export as a filled template (导出为模板): the list's export link."""
    from banyan.core.registry import BY_LABEL
    from banyan.core.scoping import can

    out = []
    for kind in KINDS.values():
        entry = BY_LABEL.get(kind.label)
        if entry is not None and can(user, Action.EXPORT, entry.model):
            out.append({"title": kind.title, "url": reverse("record-export-xlsx", args=[entry.slug]) + "?template=1"})
    return out


@login_required
def import_new(request):
    if not importable_kinds(request.user):
        raise PermissionDenied(_("您没有导入台账的权限。"))
    form = ImportForm(request.user, request.POST or None, request.FILES or None,
                      initial={"kind": request.GET.get("kind")})
    communities = form.fields["community"].queryset
    if communities.count() == 1:  # a community's own staff import into their community
        form.fields["community"].initial = communities.first()
    if request.method == "POST" and form.is_valid():
        job = import_job_create(by=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"],
                                community=form.cleaned_data["community"], strict=form.cleaned_data["strict"],
                                options=form.options())
        return redirect("import-detail", pk=job.pk)
    return render(request, "ledgers/new.html", {"title": _("新建导入"), "form": form,
                                                "kinds": importable_kinds(request.user),
                                                "residents_only": RESIDENTS_ONLY})


@login_required
def import_detail(request, pk):
    job = _job_or_404(request, pk)
    header, rows = refused_preview(job) if job.finished and job.user_id == request.user.pk else ([], [])
    context = {"title": job.file_name, "job": job, "kind": KINDS.get(job.kind), "refused_header": header,
               "refused_rows": rows, "mine": job.user_id == request.user.pk,
               "undo": job.status == ImportJob.Status.DONE and job.event_id and may_undo(job, request.user),
               "remap": may_remap(job, request.user), "remap_choices": mapping_choices(job)}
    if request.headers.get("HX-Request"):
        return render(request, "ledgers/_status.html", context)
    return render(request, "ledgers/detail.html", context)


@login_required
@require_POST
def import_confirm(request, pk):
    job = _job_or_404(request, pk)
    import_job_confirm(job=job, by=request.user)
    return redirect("import-detail", pk=job.pk)


@login_required
@require_POST
def import_undo_view(request, pk):
    """Undo a committed import as a whole; why not, when it cannot be, in the page's message."""
    job = _job_or_404(request, pk)
    try:
        import_undo(job=job, by=request.user)
        messages.success(request, _("已撤销这次导入。"))
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    return redirect("import-detail", pk=job.pk)


@login_required
@require_POST
def import_remap(request, pk):
    """Check the file again with the columns the user matched by hand in the preview."""
    job = _job_or_404(request, pk)
    mapping = {name[len("map:"):]: value for name, value in request.POST.items() if name.startswith("map:")}
    try:
        import_job_remap(job=job, by=request.user, mapping=mapping)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    return redirect("import-detail", pk=job.pk)


@login_required
def import_refused(request, pk):
    """The refused rows as the user uploaded them: only for the user who uploaded the file."""
    job = _job_or_404(request, pk)
    if job.user_id != request.user.pk or not job.refused_file:
        raise Http404
    export_audit(by=request.user, model=ImportJob, rows=job.refused_rows, masked=False, reason=_("下载导入错误行"))
    response = FileResponse(job.refused_file.open("rb"), as_attachment=True, filename=job.refused_file.name.rsplit(
        "/", 1)[-1])
    response["Cache-Control"] = "no-store"
    return response


@login_required
def import_template(request, kind):
    spec = KINDS.get(kind)
    if spec is None or spec not in importable_kinds(request.user):
        raise Http404
    response = HttpResponse(template_xlsx(spec),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, f"{spec.title}导入模板.xlsx")
    return response


# Exports built in the background (started by the 导出 links of a long list: core.views.RecordExport).


@login_required
def export_list(request):
    jobs = export_jobs(request.user)[:50]
    if not jobs and not may_export(request.user):
        raise PermissionDenied(_("您没有导出的权限。"))
    return render(request, "ledgers/exports.html", {"title": _("我的导出"), "jobs": jobs,
                                                    "inline_rows": INLINE_EXPORT_ROWS})


@login_required
def export_detail(request, pk):
    job = get_visible_or_404(ExportJob, request.user, pk)
    list_url = reverse("record-list", args=[job.kind]) + (f"?{job.query}" if job.query else "") if job.entry else ""
    context = {"title": _("导出%(kind)s") % {"kind": job.kind_title}, "job": job, "list_url": list_url}
    if request.headers.get("HX-Request"):
        return render(request, "ledgers/_export_status.html", context)
    return render(request, "ledgers/export_detail.html", context)


@login_required
def export_download(request, pk):
    """The file, for its owner only (another user's job is a 404 like a missing one); each download recorded."""
    job = get_visible_or_404(ExportJob, request.user, pk)
    if not job.downloadable:
        return redirect("export-detail", pk=job.pk)  # not ready yet, failed or expired: its page says which
    response = FileResponse(export_job_download(job=job, by=request.user), as_attachment=True,
                            filename=job.file_name)
    response["Cache-Control"] = "no-store"
    return response
