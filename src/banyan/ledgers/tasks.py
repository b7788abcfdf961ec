"""Background work of imports, run by `banyan worker` (Django's tasks API through django-tasks)."""

from django_tasks import task

from banyan.ledgers.models import ImportJob


@task()
def import_job_task(job_id: int) -> None:
    from banyan.ledgers.services import import_job_run

    import_job_run(job=ImportJob.objects.get(pk=job_id))
