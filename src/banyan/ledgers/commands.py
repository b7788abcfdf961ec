"""`banyan import`: the same import as the web page, in the terminal, with a progress bar. `banyan export`: a kind's
rows as its import template, as the list page exports them."""

import resource
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from tqdm import tqdm

from banyan.ledgers.kinds import KINDS
from banyan.ledgers.models import ImportJob
from banyan.ledgers.services import file_name_short, import_job_run, only_community

PHASES = {"validating": "校验", "writing": "写入"}


def _operator():
    """Who imports from the terminal without --user: a district-wide operator, recorded as 命令行 (no account)."""
    return get_user_model()(username="命令行", is_superuser=True)


def _resolve(community: str | None, user):
    if not community:
        return None
    from banyan.places.selectors import place_resolve

    place = place_resolve(user, community)
    if place is None or type(place).__name__ != "Community":
        raise SystemExit(_("找不到社区“%(name)s”，或不在您的管辖范围内。") % {"name": community})
    return place


def _user(name: str | None):
    by = get_user_model().objects.filter(username=name).first() if name else _operator()
    if by is None:
        raise SystemExit(_("找不到用户“%(name)s”。") % {"name": name})
    return by


def import_options(kind: str, *, sheet: str | None = None, households: bool = False,
                   fixed: list[str] = ()) -> dict:
    """The options of `--sheet`, `--households` and each `--set HEADER=VALUE` (the header as any of the column's
    names, the value checked as the column checks a cell), as ImportJob.options; a clear message otherwise."""
    import polars as pl

    from banyan.ledgers.columns import normalize_header

    spec, out = KINDS[kind], {}
    if sheet and sheet.strip():
        out["sheet"] = sheet.strip()
    if households:
        if kind != "residents":
            raise SystemExit(_("--households 只适用于居民导入。"))
        out["households"] = True
    names = {normalize_header(n): c for c in spec.columns for n in c.names}
    for item in fixed:
        header, sep, value = item.partition("=")
        column = names.get(normalize_header(header))
        if not sep or not value.strip():
            raise SystemExit(_("--set 应写成 列名=值，如 --set 人口类别=户籍人口：%(item)s") % {"item": item})
        if column is None:
            raise SystemExit(_("没有“%(header)s”列。可用的列：%(cols)s") % {
                "header": header, "cols": "、".join(c.header for c in spec.columns)})
        if column.parse is not None:
            error = pl.select(column.parse(pl.lit(value.strip()))[1].cast(pl.Utf8)).item()
            if error:
                raise SystemExit(f"{column.header}：{error}")
        out.setdefault("fixed", {})[column.field] = value.strip()
    return out


def import_from_terminal(*, kind: str, path: str, community: str | None, user: str | None, dry_run: bool,
                         strict: bool, options: dict | None = None) -> int:
    file = Path(path)
    if not file.is_file():
        print(_("找不到文件：%(path)s") % {"path": path}, file=sys.stderr)
        return 2
    by = _user(user)
    place = _resolve(community, by) or (only_community(by, kind) if by.pk else None)
    job = ImportJob.objects.create(user=by if by.pk else None, kind=kind, file_name=file_name_short(file.name),
                                   community=place, dry_run=dry_run, strict=strict, options=options or {})
    bars: dict[str, tqdm] = {}

    def echo(phase: str, done: int, total: int) -> None:
        bar = bars.get(phase)
        if bar is None:
            bar = bars[phase] = tqdm(total=total, unit="行", desc=PHASES[phase], file=sys.stderr, smoothing=0)
        bar.total = max(total, done)
        bar.update(done - bar.n)

    result = import_job_run(job=job, path=file, by=by, echo=echo)
    for bar in bars.values():
        bar.close()
    job.refresh_from_db()
    print(f"{job.get_status_display()}：{job.message}")
    if result is None:
        return 1
    if job.refused_file:
        print(_("错误行文件：%(path)s") % {"path": job.refused_file.path})
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"import: kind={kind} rows={result.rows} created={result.created} updated={result.updated} "
          f"unchanged={result.unchanged} refused={result.refused} written={'yes' if result.written else 'no'} "
          f"seconds={result.seconds:.1f} rows_per_s={result.rows / max(result.seconds, 1e-9):.0f} "
          f"peak_mb={peak_mb:.0f}")
    return 0


def export_from_terminal(*, kind: str, path: str, community: str | None, user: str | None) -> int:
    """Write the rows of `kind` that the user may export (the access door's EXPORT rows; without --user the
    district-wide operator), of `community` if given, as the import template (.xlsx or .csv by the file's
    suffix): 系统编号 first, personal numbers masked. Audited as the page's export: one `exported` event naming
    the rows."""
    import shutil

    from banyan.accounts.roles import Action
    from banyan.accounts.services import export_audit
    from banyan.core.exporting import csv_file, xlsx_file
    from banyan.ledgers.template_export import template_rows

    out = Path(path)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "csv"):
        print(_("导出文件名应以 .xlsx 或 .csv 结尾：%(path)s") % {"path": path}, file=sys.stderr)
        return 2
    if not out.parent.is_dir():
        print(_("找不到目录：%(path)s") % {"path": str(out.parent)}, file=sys.stderr)
        return 2
    by = _user(user)
    spec = KINDS[kind]
    rows = spec.model.objects.visible_to(by, Action.EXPORT)
    place = _resolve(community, by)
    if place is not None:
        rows = rows.filter(community=place)
    rows = rows.order_by("pk")
    seen: list[int] = []
    titles, values = template_rows(spec, rows, seen=seen)
    temporary = xlsx_file(titles, values, str(spec.title)) if fmt == "xlsx" else csv_file(titles, values)
    try:
        shutil.move(temporary, out)
    finally:
        temporary.unlink(missing_ok=True)
    export_audit(by=by if by.pk else None, model=spec.model, rows=len(seen), masked=True, ids=seen,
                 reason=_("命令行导出"), data={"format": fmt, "community": place.pk if place else None,
                                              "file": out.name[:200]})
    print(_("已导出%(n)d行%(kind)s：%(path)s") % {"n": len(seen), "kind": spec.title, "path": str(out)})
    return 0
