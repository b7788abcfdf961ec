"""Background work of imports and exports, run by `banyan worker` (Django's tasks API through django-tasks)."""

from django_tasks import task

from banyan.ledgers.models import ExportJob, ImportJob


@task()
def import_job_task(job_id: int) -> None:
    from banyan.ledgers.services import import_job_run

    import_job_run(job=ImportJob.objects.get(pk=job_id))


@task()
def export_job_task(job_id: int) -> None:
    from banyan.ledgers.services import export_job_run

    export_job_run(job=ExportJob.objects.select_related("user").get(pk=job_id))


@task()
def export_files_purge_task() -> int:
    from banyan.ledgers.services import export_files_purge

    return export_files_purge()


@task()
def import_files_purge_task() -> int:
    from banyan.ledgers.services import import_files_purge

    return import_files_purge()
