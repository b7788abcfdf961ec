"""Writing the event log. Every service that changes a record calls one of these inside its own transaction."""

from collections.abc import Iterable

from django.db import models

from banyan.core.display import field_text, plain_value
from banyan.events.models import Event, EventSubject

SUBJECT_BATCH = 5000


def _recorded_fields(model) -> list[models.Field]:
    """The fields a change is recorded for: every stored field but the id and a personal number's ciphertext and
    hash (its mask stands for it, so a changed number shows as masked before → after)."""
    return [f for f in model._meta.concrete_fields
            if not f.primary_key and not f.name.endswith(("_enc", "_hash"))]


def _name(field: models.Field) -> str:
    return field.name.removesuffix("_masked")


def _label(field: models.Field) -> str:
    return str(field.verbose_name)


def record_changes(before, after) -> list[dict]:
    """The fields that differ between two versions of a record (`before` None: every filled field of a new one)."""
    out = []
    for field in _recorded_fields(type(after)):
        old = plain_value(field.value_from_object(before)) if before is not None else None
        new = plain_value(field.value_from_object(after))
        if old == new or (before is None and new in (None, "")):
            continue
        out.append({"field": _name(field), "label": _label(field),
                    "before": field_text(before, field) if before is not None else "",
                    "after": field_text(after, field), "before_value": old, "after_value": new})
    return out


def deleted_changes(obj) -> list[dict]:
    """The changes of a deletion: every filled field before → nothing, so the log keeps the record's last state."""
    return [{**c, "before": c["after"], "after": "", "before_value": c["after_value"], "after_value": None}
            for c in record_changes(None, obj)]


def event_record(*, by, action: str, obj=None, model=None, changes: list | None = None, note: str = "",
                 data: dict | None = None) -> Event:
    """One event about one record (`obj`), or about a kind of record as a whole (`model`, e.g. an export)."""
    model = type(obj) if obj is not None else model
    # The terminal's import may run as nobody in particular (an unsaved superuser): the event is the system's.
    user = by if by is not None and by.is_authenticated and by.pk else None
    return Event.objects.create(
        user=user, action=action, model=model._meta.label_lower,
        object_id=obj.pk if obj is not None else None,
        object_repr=str(obj)[:200] if obj is not None else "",
        community_id=getattr(obj, "community_id", None) if obj is not None else None,
        changes=changes or [], note=(note or "")[:500], data=data or {})


def event_subjects_add(*, event: Event, ids: Iterable[int]) -> int:
    """Tie a bulk event to each record it touched, in batches; the number of records."""
    batch, n = [], 0
    for pk in ids:
        batch.append(EventSubject(event=event, model=event.model, object_id=pk))
        if len(batch) >= SUBJECT_BATCH:
            EventSubject.objects.bulk_create(batch)
            n, batch = n + len(batch), []
    if batch:
        EventSubject.objects.bulk_create(batch)
        n += len(batch)
    return n
