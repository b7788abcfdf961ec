"""Validation of Chinese identity numbers (GB 11643-1999), mainland mobile numbers and contact numbers (a mobile
or a landline), with Chinese messages."""

import datetime as dt
import re
import time

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# Province-level prefixes of GB/T 2260; a finer region check needs the national table, which we do not ship.
PROVINCE_CODES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
}
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


_today_cache: tuple[int, dt.date] = (-1, dt.date.min)


def today() -> dt.date:
    """The local date, recomputed once a minute: validation runs per row of million-row imports."""
    global _today_cache
    minute = int(time.monotonic() // 60)
    if _today_cache[0] != minute:
        _today_cache = (minute, timezone.localdate())
    return _today_cache[1]


def id_check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_birth_date(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def id_sex(value: str) -> str:
    """GB/T 2261.1 code: 1 male, 2 female (the 17th digit is odd for men)."""
    return "1" if int(value[16]) % 2 else "2"


def validate_id_number(value: str) -> str:
    """Return the normalised 18-character ID number, or raise a ValidationError in the user's language."""
    value = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValidationError(_("身份证号应为18位：前17位为数字，最后一位为数字或X。"), code="id_format")
    if value[:2] not in PROVINCE_CODES:
        raise ValidationError(_("身份证号前两位“%(code)s”不是有效的省级行政区划代码。") % {"code": value[:2]},
                              code="id_region")
    try:
        born = id_birth_date(value)
    except ValueError:
        raise ValidationError(_("身份证号中的出生日期“%(date)s”不是有效日期。") % {"date": value[6:14]},
                              code="id_birth_date") from None
    if born > today() or born.year < 1900:
        raise ValidationError(_("身份证号中的出生日期“%(date)s”不合理（晚于今天或早于1900年）。")
                              % {"date": born.isoformat()}, code="id_birth_date")
    if id_check_digit(value[:17]) != value[17]:
        raise ValidationError(_("身份证号校验位错误，请核对后重新输入。"), code="id_checksum")
    return value


def validate_mobile(value: str) -> str:
    value = (value or "").strip().replace(" ", "").replace("-", "")
    if value.startswith("+86"):
        value = value[3:]
    if not _MOBILE.fullmatch(value):
        raise ValidationError(_("手机号码应为11位、以1开头的中国大陆手机号（如13812345678）。"), code="mobile")
    return value


# A contact number (an enterprise's, a landlord's): a mobile, or a landline, which is a local number of 7 or 8
# digits not starting 0 or 1, after its area code (0 and 2 or 3 digits) or alone. Personal numbers of residents
# and party members stay mobile-only (validate_mobile): they are how a person is reached and found.
CONTACT_PHONE_PATTERN = r"^(1[3-9][0-9]{9}|(0[0-9]{2,3})?[2-9][0-9]{6,7})$"  # ASCII digits only
CONTACT_PHONE_FIELDS = frozenset({"contact_phone", "landlord_phone"})


def validate_contact_phone(value: str) -> str:
    """"0757-86651234", "(0757)86651234", "86651234", "138 0000 1111" → the digits, or a ValidationError."""
    value = re.sub(r"[\s\-()（）－—]", "", value or "")
    value = re.sub(r"^(\+86|0086)", "", value)
    if not re.fullmatch(CONTACT_PHONE_PATTERN, value):
        raise ValidationError(_("联系电话应为手机号或固定电话（如 13812345678、0757-86651234）。"),
                              code="contact_phone")
    return value


def phone_validator(name: str):
    """The rule for the phone attribute `name`: landlines are taken for contact numbers only."""
    return validate_contact_phone if name in CONTACT_PHONE_FIELDS else validate_mobile


def validate_not_future(value: dt.date) -> None:
    if value and value > today():
        raise ValidationError(_("日期不能晚于今天。"), code="future_date")
