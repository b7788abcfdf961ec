"""Import pages: upload a ledger, watch it validate, read the preview and the refused rows, confirm.
Export pages: watch a long export being built, download it."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
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
from banyan.ledgers.selectors import export_jobs, importable_kinds, may_export, refused_preview, visible_jobs
from banyan.ledgers.services import INLINE_EXPORT_ROWS, export_job_download, import_job_confirm, import_job_create
from banyan.ledgers.templates_xlsx import template_xlsx
from banyan.places.models import Community

MAX_UPLOAD_MB = 200


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("台账类型"))
    file = forms.FileField(label=gettext_lazy("文件（.xlsx 或 .csv）"))
    community = forms.ModelChoiceField(label=gettext_lazy("导入到社区"), queryset=Community.objects.none(),
                                       required=False, help_text=gettext_lazy("文件没有“社区”列时必选"))
    strict = forms.BooleanField(label=gettext_lazy("严格模式：有任何错误行则全部不写入"), required=False)

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
        if not upload.name.lower().endswith((".xlsx", ".xlsm", ".csv", ".txt")):
            raise forms.ValidationError(_("请上传 .xlsx 或 .csv 文件。"))
        return upload


def _job_or_404(request, pk) -> ImportJob:
    return get_visible_or_404(ImportJob, request.user, pk)


@login_required
def import_list(request):
    kinds = importable_kinds(request.user)
    jobs = visible_jobs(request.user)[:50]
    if not kinds and not jobs:
        raise PermissionDenied(_("您没有导入台账的权限。"))
    return render(request, "ledgers/list.html", {"title": _("台账导入"), "jobs": jobs, "kinds": kinds})


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
                                community=form.cleaned_data["community"], strict=form.cleaned_data["strict"])
        return redirect("import-detail", pk=job.pk)
    return render(request, "ledgers/new.html", {"title": _("新建导入"), "form": form,
                                                "kinds": importable_kinds(request.user)})


@login_required
def import_detail(request, pk):
    job = _job_or_404(request, pk)
    header, rows = refused_preview(job) if job.finished and job.user_id == request.user.pk else ([], [])
    context = {"title": job.file_name, "job": job, "kind": KINDS.get(job.kind), "refused_header": header,
               "refused_rows": rows, "mine": job.user_id == request.user.pk}
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
