"""What the worker does for cases on its own, not on page views: reminders before a deadline and escalation up
the chain when one has passed. `deadlines_sweep()` runs every minute in `banyan worker` (and once with
`banyan cases sweep`); each case is handled in its own transaction, so several workers never double a step."""

import datetime as dt
import logging
import threading

from django.db import close_old_connections, connection
from django.db.models import Max
from django.utils import timezone

from banyan.cases import services
from banyan.cases.models import OPEN_STATES, Case, TimeLimit

logger = logging.getLogger(__name__)
BATCH = 500


def reminders_due(now: dt.datetime) -> list[Case]:
    """Open cases inside their reminder window (their limit's hours before the deadline), not yet reminded: the
    widest window narrows the rows in SQL, each case's own in Python (portable date arithmetic)."""
    widest = TimeLimit.objects.aggregate(h=Max("remind_before_hours"))["h"] or 0
    rows = (Case.objects.filter(state__in=OPEN_STATES, reminded_at__isnull=True, due_at__gt=now,
                                due_at__lte=now + dt.timedelta(hours=widest), time_limit__isnull=False)
            .select_related("time_limit").order_by("due_at")[:BATCH])
    return [c for c in rows if c.due_at - dt.timedelta(hours=c.time_limit.remind_before_hours) <= now]


def deadlines_sweep(now: dt.datetime | None = None) -> dict:
    """Remind what is nearly due, escalate what is overdue; returns how many of each."""
    now = now or timezone.now()
    done = {"reminded": 0, "escalated": 0}
    for case in reminders_due(now):
        services.case_remind(case=case)
        done["reminded"] += 1
    overdue = Case.objects.filter(state__in=OPEN_STATES, due_at__lte=now).exclude(level="town")
    for case in overdue.order_by("due_at")[:BATCH]:
        if services.case_breach(case=case) is not None:
            done["escalated"] += 1
    if any(done.values()):
        logger.info("Case deadlines: %(reminded)d reminded, %(escalated)d escalated", done)
    return done


def deadlines_every(seconds: float):
    """Sweep every `seconds` in a thread of this process (the worker's): reminders and escalations happen on time
    whether or not anyone opens a page. A failed round is logged; the next tries again. Returns `stop()`, which
    ends the thread and closes its database connection."""
    stopping = threading.Event()

    def loop():
        while not stopping.wait(seconds):
            close_old_connections()
            try:
                deadlines_sweep()
            except Exception:
                logger.exception("Case deadline sweep failed")
        connection.close()

    thread = threading.Thread(target=loop, name="case-deadlines", daemon=True)
    thread.start()

    def stop() -> None:
        stopping.set()
        thread.join()

    return stop
