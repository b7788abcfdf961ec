"""Revealing personal numbers and recording exports: each writes a PiiAudit row in the same transaction."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from banyan.accounts.models import PiiAudit
from banyan.accounts.roles import Action
from banyan.core.pii import pii_reveal


@transaction.atomic
def pii_reveal_for(*, obj, field: str, by, reason: str) -> str:
    """The full value of one personal number of one record; the reveal is written to the audit log."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("查看完整号码须填写事由。"))
    model = type(obj)
    if not model.objects.visible_to(by, Action.REVEAL).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("您没有查看完整号码的权限。"))
    if not hasattr(obj, f"{field}_enc"):
        raise ValidationError(_("该字段不是个人号码。"))
    PiiAudit.objects.create(user=by, action=PiiAudit.Action.REVEAL, model=model._meta.label_lower,
                            object_id=obj.pk, subject=str(obj)[:100], field=field, reason=reason[:200])
    return pii_reveal(obj, field)


def export_audit(*, by, model, rows: int, masked: bool, reason: str = "") -> PiiAudit:
    return PiiAudit.objects.create(user=by, action=PiiAudit.Action.EXPORT, model=model._meta.label_lower,
                                   rows=rows, masked=masked, reason=(reason or _("导出列表"))[:200])
