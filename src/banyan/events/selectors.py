"""Reading the event log: a record's timeline."""

from django.db.models import Q

from banyan.events.models import Event, EventSubject


def record_history(obj):
    """Every event about `obj`, newest first: its own, and the bulk ones (exports, imports) it was part of.
    The caller has already fetched `obj` through the access door."""
    label = obj._meta.label_lower
    bulk = EventSubject.objects.filter(Q(object_id=obj.pk) | Q(last_id__gte=obj.pk, object_id__lte=obj.pk),
                                       model=label).values("event_id")
    return (Event.objects.filter(Q(model=label, object_id=obj.pk) | Q(pk__in=bulk))
            .select_related("user").order_by("-at", "-pk"))

