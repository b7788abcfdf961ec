"""Revealing personal numbers and recording exports: each leaves an event in the same transaction."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from banyan.accounts.roles import Action
from banyan.core.pii import pii_reveal
from banyan.events.models import Event
from banyan.events.services import event_record, event_subjects_add


@transaction.atomic
def pii_reveal_for(*, obj, field: str, by, reason: str) -> str:
    """The full value of one personal number of one record; the reveal is written to the event log."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("查看完整号码须填写事由。"))
    model = type(obj)
    if not model.objects.visible_to(by, Action.REVEAL).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("您没有查看完整号码的权限。"))
    if not hasattr(obj, f"{field}_enc"):
        raise ValidationError(_("该字段不是个人号码。"))
    label = str(model._meta.get_field(f"{field}_masked").verbose_name)
    event_record(by=by, action=Event.Action.REVEALED, obj=obj, note=reason,
                 data={"field": field, "label": label})
    return pii_reveal(obj, field)


def export_audit(*, by, model, rows: int, masked: bool, reason: str = "", ids=None, data: dict | None = None):
    """The event of one export: who, which kind of record, how many rows, masked or not; with `ids`, each
    exported record's timeline shows it."""
    event = event_record(by=by, action=Event.Action.EXPORTED, model=model, note=reason or _("导出列表"),
                         data={"rows": rows, "masked": masked, **(data or {})})
    if ids is not None:
        event_subjects_add(event=event, ids=ids)
    return event
