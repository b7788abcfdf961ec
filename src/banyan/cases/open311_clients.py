"""The apps allowed to post requests through Open311 GeoReport v2, and their keys (api_key).

A key is issued per app by staff: district admins (and superusers) for the whole district or one town, town
officers for their own town. Only the key's SHA-256 hash is stored, with its first characters to tell keys apart on
the staff page; the clear key is returned once, when it is issued, and cannot be shown again (a lost key is revoked
and a new one issued). Revoking keeps the row (the events and the cases it posted still name the app).
"""

import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.accounts.roles import Level, Role
from banyan.cases.models import Open311Client
from banyan.core.scoping import user_assignments
from banyan.events.models import Event
from banyan.events.services import event_record, record_changes

KEY_PREFIX_LENGTH = 8
MIN_KEY_LENGTH = 16


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_new() -> str:
    """A key that cannot be guessed: 32 URL-safe characters (192 bits)."""
    return secrets.token_urlsafe(24)


def client_for_key(key: str) -> Open311Client | None:
    """The active app holding this key, or None (unknown or revoked)."""
    key = (key or "").strip()
    if not key:
        return None
    return Open311Client.objects.select_related("town").filter(key_hash=key_hash(key), active=True).first()


def client_used(client: Open311Client) -> None:
    """Note when the app last posted (bookkeeping like a login time: no event)."""
    Open311Client.objects.filter(pk=client.pk).update(last_used_at=timezone.now())


def manageable_towns(user):
    """Whose keys the user may see, issue and revoke: None for the whole district (a superuser, a district admin),
    else the ids of the towns they are a town officer of (empty: none)."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return None
    towns = set()
    for assignment in user_assignments(user):
        if assignment.role == Role.DISTRICT_ADMIN and assignment.level == Level.DISTRICT:
            return None
        if assignment.role == Role.TOWN_OFFICER and assignment.level == Level.TOWN:
            towns.add(assignment.town_id)
    return towns


def may_manage(user, town_id) -> bool:
    towns = manageable_towns(user)
    return towns is None or (town_id is not None and town_id in towns)


@transaction.atomic
def open311_client_issue(*, name: str, by, town=None, key: str | None = None) -> tuple[Open311Client, str]:
    """Register an app and issue its key: a new random key unless `key` is given (the demo's published key).
    Returns the app and the clear key, which is not stored and cannot be shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("请填写应用名称。"))
    if len(name) > 100:
        raise ValidationError(_("应用名称不能超过100个字。"))
    if by is not None and not may_manage(by, town.pk if town is not None else None):
        raise PermissionDenied(_("您只能为本镇街的应用签发密钥。"))
    key = key_new() if key is None else key.strip()
    if len(key) < MIN_KEY_LENGTH:
        raise ValidationError(_("密钥至少需要%(n)d个字符。") % {"n": MIN_KEY_LENGTH})
    hashed = key_hash(key)
    if Open311Client.objects.filter(key_hash=hashed).exists():
        raise ValidationError(_("该密钥已被其他应用使用，请换一个。"))
    client = Open311Client.objects.create(name=name, key_hash=hashed, key_prefix=key[:KEY_PREFIX_LENGTH], town=town,
                                          created_by=by if by is not None and by.pk else None)
    event_record(by=by, action=Event.Action.CREATED, obj=client, changes=record_changes(None, client),
                 note=_("签发Open311接入密钥"))
    return client, key


@transaction.atomic
def open311_client_revoke(*, client: Open311Client, by) -> Open311Client:
    """Stop an app's key from working. Its row, events and cases stay."""
    client = Open311Client.objects.select_for_update().get(pk=client.pk)
    if by is not None and not may_manage(by, client.town_id):
        raise PermissionDenied(_("您只能停用本镇街应用的密钥。"))
    if not client.active:
        raise ValidationError(_("该应用的密钥已停用。"))
    before = Open311Client.objects.get(pk=client.pk)
    client.active = False
    client.save(update_fields=["active"])
    event_record(by=by, action=Event.Action.CHANGED, obj=client, changes=record_changes(before, client),
                 note=_("停用Open311接入密钥"))
    return client
