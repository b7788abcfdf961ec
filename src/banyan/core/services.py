"""Writes to registry records, through the access door: a user can only write where they can act, and every
write leaves an event (who, when, the fields before → after) in the same transaction."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.accounts.roles import Action
from banyan.core.scoping import can
from banyan.events.models import Event
from banyan.events.services import deleted_changes, event_record, record_changes

# A record that may only leave through its own workflow (a resident moves away or dies) can still be deleted
# within this time by the person who entered it by mistake.
MISTAKE_WINDOW = dt.timedelta(days=1)


@transaction.atomic
def record_save(*, instance, by, values: dict | None = None):
    """Create or update a registry record. The user sees it saved, or a Chinese message and nothing changed.

    `values` may hold personal attributes (`id_number`, `phone`) in clear; they are encrypted on assignment.
    The record must be one the user may change both before (for updates) and after the write. An update that
    changes nothing leaves no event.
    """
    model = type(instance)
    if not can(by, Action.CHANGE, model):
        raise PermissionDenied(_("您没有修改“%(kind)s”的权限。") % {"kind": model._meta.verbose_name})
    before = None
    if instance.pk:
        before = model.objects.visible_to(by, Action.CHANGE).filter(pk=instance.pk).first()
        if before is None:
            raise PermissionDenied(_("该记录不在您的管辖范围内。"))
    for name, value in (values or {}).items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    if not model.objects.visible_to(by, Action.CHANGE).filter(pk=instance.pk).exists():
        raise ValidationError(_("所选地点不在您的管辖范围内，未保存。"))
    changes = record_changes(before, instance)
    if before is None or changes:
        event_record(by=by, action=Event.Action.CREATED if before is None else Event.Action.CHANGED,
                     obj=instance, changes=changes)
    return instance


def entered_by_mistake(*, instance, by) -> bool:
    """Whether `by` entered this record themselves within the mistake window."""
    created = Event.objects.filter(model=instance._meta.label_lower, object_id=instance.pk,
                                   action=Event.Action.CREATED).order_by("at").first()
    return created is not None and created.user_id == by.pk and timezone.now() - created.at <= MISTAKE_WINDOW


@transaction.atomic
def record_delete(*, instance, by, reason: str = "") -> None:
    """Delete a record; its last state stays in the event log. Kinds that leave only through their workflow
    (`Entry.delete_mistakes_only`) may be deleted only as a mistake: by who entered them, within a day."""
    from banyan.core.registry import BY_LABEL

    model = type(instance)
    if not model.objects.visible_to(by, Action.CHANGE).filter(pk=instance.pk).exists():
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))
    entry = BY_LABEL.get(model._meta.label_lower)
    if entry is not None and entry.delete_mistakes_only and not entered_by_mistake(instance=instance, by=by):
        raise ValidationError(_("只有录入人可在录入后一天内删除误录的记录；其他情况请办理迁出或死亡注销。"))
    event_record(by=by, action=Event.Action.DELETED, obj=instance, changes=deleted_changes(instance), note=reason)
    instance.delete()
