"""Personal numbers (ID, phone): encrypted at rest, a keyed hash for exact lookup, a mask for display.

Each personal attribute `x` of a model is three columns: `x_enc` (AES-GCM ciphertext), `x_hash` (HMAC-SHA256,
for de-duplication and exact search) and `x_masked` (what every page, list, API and export shows). The model
exposes `x` as a property whose getter returns the mask: the clear value is only reachable through
`pii_reveal`, which the reveal services call after checking permission and writing the audit row.
"""

import base64
import hashlib
import hmac
import os
import re
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Right
from django.db.models.lookups import Exact

_VERSION = b"1"
# HMAC-SHA256 truncated to 128 bits: no collision in any population, and half the index of the full digest
# (a million-row import spends a third less time in the two hash indexes).
HASH_BYTES = 16


def raw_keys() -> tuple[bytes, bytes]:
    """The encryption and hash keys derived from BANYAN_PII_KEY (also handed to a worker that seals in bulk)."""
    raw = settings.BANYAN_PII_KEY.encode()
    return hashlib.sha256(b"banyan-pii-encrypt:" + raw).digest(), hashlib.sha256(b"banyan-pii-hash:" + raw).digest()


@cache
def _keys(master: str) -> tuple[AESGCM, bytes]:
    enc_key, hash_key = raw_keys()
    return AESGCM(enc_key), hash_key


def encrypt(value: str) -> str:
    aead, _ = _keys(settings.BANYAN_PII_KEY)
    return _encrypt(aead, value)


def _encrypt(aead: AESGCM, value: str) -> str:
    nonce = os.urandom(12)
    return (_VERSION + base64.b64encode(nonce + aead.encrypt(nonce, value.encode(), None))).decode()


def decrypt(token: str) -> str:
    aead, _ = _keys(settings.BANYAN_PII_KEY)
    blob = base64.b64decode(token[1:])
    return aead.decrypt(blob[:12], blob[12:], None).decode()


def keyed_hash(value: str) -> str:
    _, hash_key = _keys(settings.BANYAN_PII_KEY)
    return hmac.digest(hash_key, value.encode(), "sha256")[:HASH_BYTES].hex()


def seal_lines(enc_key: bytes, hash_key: bytes, text: str, encrypt: bool) -> tuple[str, str]:
    """Newline-joined clear values to newline-joined hashes (and ciphertexts): one string each way, so a
    million values cross to and from a worker process cheaply. Empty lines stay empty."""
    values = text.encode().split(b"\n")  # encoded once, not value by value
    hashes = _hashes(hash_key, values)
    if not encrypt:
        return hashes, ""
    aead = AESGCM(enc_key)
    nonces = os.urandom(12 * len(values))  # one system call for all the nonces, not one each
    sealed = aead.encrypt
    version = _VERSION.decode()
    ciphertexts = "\n".join(
        version + base64.b64encode(nonce + sealed(nonce, v, None)).decode() if v else ""
        for v, nonce in zip(values, (nonces[i:i + 12] for i in range(0, len(nonces), 12)), strict=True))
    return hashes, ciphertexts


def _hashes(hash_key: bytes, values: list[bytes]) -> str:
    """`keyed_hash` of each value, newline-joined ("" for an empty one). HMAC-SHA256 (RFC 2104) from the two
    padded-key states copied per value: half the time of `hmac.digest`, which sets the key up on every call."""
    key = (hash_key if len(hash_key) <= 64 else hashlib.sha256(hash_key).digest()).ljust(64, b"\0")
    inner, outer = hashlib.sha256(bytes(b ^ 0x36 for b in key)), hashlib.sha256(bytes(b ^ 0x5C for b in key))
    digests = []
    for value in values:
        if value:
            step = inner.copy()
            step.update(value)
            last = outer.copy()
            last.update(step.digest())
            digests.append(last.digest()[:HASH_BYTES])
    hexed, width = b"".join(digests).hex(), HASH_BYTES * 2  # one hex conversion for all
    starts = iter(range(0, len(hexed), width))
    return "\n".join(hexed[(i := next(starts)):i + width] if v else "" for v in values)


def normalize(kind: str, value: str) -> str:
    value = (value or "").strip().replace(" ", "").replace("-", "")
    return value.upper() if kind == "id_number" else value


def mask(kind: str, value: str) -> str:
    if not value:
        return ""
    if kind == "id_number":
        return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)
    if kind == "phone":
        return value[:3] + "****" + value[-4:] if len(value) >= 11 else value[:2] + "****"
    return value[:1] + "*" * (len(value) - 1)


class HashField(models.CharField):
    """A keyed hash: fixed 32 hex characters. char(32) on PostgreSQL, so Django adds no LIKE index to it
    (nobody searches hashes by pattern, and that index slowed million-row imports)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", HASH_BYTES * 2)
        super().__init__(*args, **kwargs)

    def db_type(self, connection):
        # bpchar(n) is char(n); spelled so, the array cast Django's bulk_create builds (bpchar[]) keeps every character
        return f"bpchar({self.max_length})" if connection.vendor == "postgresql" else super().db_type(connection)


class HashLookupIndex(models.Index):
    """An index for equality look-ups of a keyed hash: a hash index on PostgreSQL (four bytes an entry, O(1)
    inserts: a third of a million-row import's time went into the B-tree), a B-tree elsewhere."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "postgresql":
            using = " USING hash"
        return super().create_sql(model, schema_editor, using=using, **kwargs)


def pii_fields(verbose_name: str, *, indexed: bool = True) -> tuple[models.Field, models.Field, models.Field]:
    """The three columns of one personal attribute: ciphertext, keyed hash (NULL when empty, so a unique
    constraint on it allows many blanks), mask. `indexed=False` where a unique constraint indexes the hash."""
    return (
        models.TextField(blank=True, default="", editable=False),
        HashField(f"{verbose_name}(检索摘要)", null=True, blank=True, default=None, db_index=indexed,
                  editable=False),
        models.CharField(verbose_name, max_length=24, blank=True, default="", editable=False),
    )


def pii_property(name: str, kind: str) -> property:
    """`obj.<name> = clear` stores ciphertext, hash and mask; reading `obj.<name>` gives only the mask."""

    def getter(obj):
        return getattr(obj, f"{name}_masked")

    def setter(obj, value):
        clear = normalize(kind, value)
        setattr(obj, f"{name}_enc", encrypt(clear) if clear else "")
        setattr(obj, f"{name}_hash", keyed_hash(clear) if clear else None)
        setattr(obj, f"{name}_masked", mask(kind, clear))

    return property(getter, setter)


def pii_reveal(obj, name: str) -> str:
    """The clear value. Call only from a reveal service that has checked permission and audits."""
    token = getattr(obj, f"{name}_enc")
    return decrypt(token) if token else ""


def pii_lookup(name: str, value: str) -> dict:
    """Filter kwargs for an exact match on the personal attribute `name` (id_number, phone, landlord_phone...):
    `Resident.objects.filter(**pii_lookup("id_number", "44..."))`."""
    return {f"{name}_hash": keyed_hash(normalize(pii_kind(name), value))}


def pii_kind(name: str) -> str:
    """Every personal attribute is an ID number or a phone number: `id_number`, or `phone`, `contact_phone`..."""
    return "id_number" if name.endswith("id_number") else "phone"


_LAST_FOUR = re.compile(r"^\d{3}[\dXx]$")
_NUMBER = re.compile(r"^\+?[\d\s\-]{3,}[\dXx]$")


def looks_like_number(text: str) -> bool:
    """Whether a search is a personal number (whole, or its last four): digits, an ID's final X, a phone's +86,
    spaces and hyphens. Such a search looks at numbers only, through their indexes, not at names and addresses."""
    return bool(_NUMBER.match((text or "").strip()))


def last_four(name: str):
    """The last four characters of a personal number, as its mask shows them: what a clerk reads off a card.
    Indexed on large tables (`Index(last_four("id_number"), ...)`); the mask, not the number, so nothing is
    learnt that a page does not already show."""
    return Right(f"{name}_masked", 4)


def number_q(names, text: str) -> Q:
    """Rows whose personal number (any of `names`) is `text`: the whole number by its keyed hash, or four
    characters by the last four that the mask shows. Never by any other substring."""
    text = (text or "").strip()
    q = Q()
    if not text:
        return q
    four = bool(_LAST_FOUR.match(text))
    for name in names:
        kind = pii_kind(name)
        if four:
            if kind == "id_number" or text.isdigit():
                q |= Q(Exact(last_four(name), text.upper()))
        else:
            q |= Q(**{f"{name}_hash": keyed_hash(normalize(kind, text))})
    return q


def is_unique_number(model, name: str) -> bool:
    """Whether the model keeps this personal number unique (a unique constraint on its keyed hash)."""
    return any(isinstance(c, models.UniqueConstraint) and tuple(c.fields) == (f"{name}_hash",)
               for c in model._meta.constraints)


def number_holder(model, name: str, value: str, *, instance=None):
    """The row of `model` (any place: a person is registered once in the district) that already holds this
    number, other than `instance`; None if there is none. Through the default manager on purpose: the answer is
    used to refuse a duplicate, and the caller says no more about that row than "registered"."""
    rows = model._default_manager.filter(**{f"{name}_hash": keyed_hash(value)})
    if instance is not None and instance.pk:
        rows = rows.exclude(pk=instance.pk)
    return rows.first()


def number_clean(model, name: str, value: str, *, instance=None, taken: bool = True) -> str:
    """A personal number typed for `model.name`, normalised and checked (ID check digit and birth date, mainland
    mobile), and (unless `taken` is False) not already held by another row where the model keeps it unique; the
    one rule for forms and the API. Raises ValidationError in the user's language. The model may word the
    duplicate's refusal itself (`number_taken(name, holder, instance)`, e.g. a resident registered in another
    community)."""
    from django.utils.translation import gettext as _

    from banyan.core.validators import phone_validator, validate_id_number

    kind = pii_kind(name)
    # A contact phone (an enterprise's, a landlord's) may be a landline, as the import takes it; a person's is a
    # mobile.
    value = validate_id_number(value) if kind == "id_number" else phone_validator(name)(value)
    if taken and is_unique_number(model, name):
        holder = number_holder(model, name, value, instance=instance)
        if holder is not None:
            taken = getattr(model, "number_taken", None)
            message = taken(name, holder, instance) if taken else None
            raise ValidationError(message or (_("该身份证号已登记。") if kind == "id_number" else _("该号码已登记。")),
                                  code="taken")
    return value
