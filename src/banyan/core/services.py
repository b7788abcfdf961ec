"""Writes to registry records, through the access door: a user can only write where they can act."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from banyan.accounts.roles import Action
from banyan.core.scoping import can


@transaction.atomic
def record_save(*, instance, by, values: dict | None = None):
    """Create or update a registry record. The user sees it saved, or a Chinese message and nothing changed.

    `values` may hold personal attributes (`id_number`, `phone`) in clear; they are encrypted on assignment.
    The record must be one the user may change both before (for updates) and after the write.
    """
    model = type(instance)
    if not can(by, Action.CHANGE, model):
        raise PermissionDenied(_("您没有修改此类记录的权限。"))
    if instance.pk and not model.objects.visible_to(by, Action.CHANGE).filter(pk=instance.pk).exists():
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))
    for name, value in (values or {}).items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    if not model.objects.visible_to(by, Action.CHANGE).filter(pk=instance.pk).exists():
        raise ValidationError(_("所选地点不在您的管辖范围内，未保存。"))
    return instance


@transaction.atomic
def record_delete(*, instance, by) -> None:
    model = type(instance)
    if not model.objects.visible_to(by, Action.CHANGE).filter(pk=instance.pk).exists():
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))
    instance.delete()
