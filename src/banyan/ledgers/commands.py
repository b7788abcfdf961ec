"""`banyan import`: the same import as the web page, in the terminal, with a progress bar."""

import resource
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from tqdm import tqdm

from banyan.ledgers.models import ImportJob
from banyan.ledgers.services import import_job_run

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


def import_from_terminal(*, kind: str, path: str, community: str | None, user: str | None, dry_run: bool,
                         strict: bool) -> int:
    file = Path(path)
    if not file.is_file():
        print(_("找不到文件：%(path)s") % {"path": path}, file=sys.stderr)
        return 2
    by = get_user_model().objects.filter(username=user).first() if user else _operator()
    if by is None:
        print(_("找不到用户“%(name)s”。") % {"name": user}, file=sys.stderr)
        return 2
    job = ImportJob.objects.create(user=by if by.pk else None, kind=kind, file_name=file.name[:200],
                                   community=_resolve(community, by), dry_run=dry_run, strict=strict)
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
