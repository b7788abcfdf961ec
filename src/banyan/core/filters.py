"""Filters for registry lists, shared by pages and the API. Choice lists of related rows go through the door too."""

from functools import cache

import django_filters
from django.db import models

from banyan.core.registry import Entry


def _scoped_choices(related_model):
    def queryset(request):
        if request is None:
            return related_model.objects.none()
        return related_model.objects.visible_to(request.user)

    return queryset


@cache
def filterset_for(entry: Entry) -> type[django_filters.FilterSet]:
    model = entry.model
    attrs = {}
    for name in entry.filter_fields:
        field = model._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            attrs[name] = django_filters.ModelChoiceFilter(queryset=_scoped_choices(field.related_model),
                                                           label=field.verbose_name)
    meta = type("Meta", (), {"model": model, "fields": list(entry.filter_fields)})
    return type(f"{model.__name__}FilterSet", (django_filters.FilterSet,), {"Meta": meta, **attrs})
