"""When a case is due: the time limit that applies to it, and the deadline counted in hours, calendar days or
working days (China's public holidays and the weekend days worked in their place, from `chinese-calendar`)."""

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings

# The hotline's and the petition regulation's rules, seeded by the migration and configurable in the admin.
EMERGENCY, UTILITIES, GENERAL, COMPLEX, PETITION = "emergency", "utilities", "general", "complex", "petition"


def is_workday(day: dt.date) -> bool:
    """A working day in China; beyond the years the calendar knows, Monday to Friday."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same time of day `days` working days after `start` (the day of receipt does not count)."""
    local = start.astimezone(ZoneInfo(settings.TIME_ZONE))
    day, left = local.date(), days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_workday(day):
            left -= 1
    return local.replace(year=day.year, month=day.month, day=day.day)


def deadline(start: dt.datetime, limit, *, extra_days: int = 0) -> dt.datetime | None:
    """The deadline of a time limit counted from `start`; `extra_days` (an extension) count the same way."""
    if limit is None:
        return None
    if limit.hours:
        return start + dt.timedelta(hours=limit.hours)
    days = (limit.days or 0) + extra_days
    if limit.working_days:
        return add_working_days(start, days)
    return start + dt.timedelta(days=days)


def limit_code(case) -> str:
    """Which rule applies: a petition's; an emergency's; else the category's (or its parent's); else general."""
    if case.kind == case.Kind.PETITION:
        return PETITION
    if case.priority == case.Priority.EMERGENCY:
        return EMERGENCY
    return ""


def limit_for(case):
    from banyan.cases.models import TimeLimit

    code = limit_code(case)
    if not code:
        category = case.category
        while category is not None:
            if category.time_limit_id:
                return category.time_limit
            category = category.parent
        code = GENERAL
    return TimeLimit.objects.filter(code=code).first()
