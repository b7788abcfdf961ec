"""Deleting an earlier demo: everything below the division tree, fast, with plain DELETE statements.

The demo owns every row of `places` below the communities, and every row of `people` and `party`. Rows of any
other app that point at demo rows (a role held at a grid, and whatever later apps hang on residents or grids)
go with them, found by following foreign keys, so a new app needs no change here. The demo users are kept (an
audit log row may point at them) and refreshed by the accounts stage; their roles and API tokens are deleted.
"""

from django.apps import apps
from django.db import connection, models, transaction
from rest_framework.authtoken.models import Token

from banyan.accounts.models import RoleAssignment
from banyan.demo.accounts import DEMO_ACCOUNTS
from banyan.places.models import Grid

OWNING_APPS = ("places", "people", "party")
DIVISIONS = {"places.district", "places.town", "places.community"}


def owned_models() -> list[type[models.Model]]:
    return [model for label in OWNING_APPS
            for model in apps.get_app_config(label).get_models(include_auto_created=True)
            if model._meta.label_lower not in DIVISIONS]


def ties(model: type[models.Model], doomed: dict) -> list[models.ForeignKey]:
    """The foreign keys of `model` to other models whose rows (some or all) are deleted."""
    return [f for f in model._meta.concrete_fields
            if f.is_relation and f.related_model in doomed and f.related_model is not model]


def doomed_rows() -> dict[type[models.Model], str]:
    """Every model with demo rows, and the SQL condition picking them ("" for the whole table)."""
    owned = owned_models()
    doomed = dict.fromkeys(owned, "")
    others = [model for model in apps.get_models(include_auto_created=True) if model not in doomed]
    for _ in others:  # until nothing changes; each pass can only reach one step further along the keys
        changed = False
        for model in others:
            if keys := ties(model, doomed):
                condition = " OR ".join(f"({tie_condition(key, doomed)})" for key in keys)
                changed |= doomed.get(model) != condition
                doomed[model] = condition
        if not changed:
            break
    return doomed


def tie_condition(key: models.ForeignKey, doomed: dict) -> str:
    qn = connection.ops.quote_name
    condition = doomed[key.related_model]
    if not condition:
        return f"{qn(key.column)} IS NOT NULL"
    target = key.related_model._meta
    return f"{qn(key.column)} IN (SELECT {qn(key.target_field.column)} FROM {qn(target.db_table)} WHERE {condition})"


def referrers_first(doomed: dict) -> list[type[models.Model]]:
    """The models ordered so that rows pointing at others are deleted before what they point at."""
    order, seen = [], set()

    def visit(model):
        if model in seen:
            return
        seen.add(model)
        for other in doomed:
            if model in {key.related_model for key in ties(other, doomed)}:
                visit(other)
        order.append(model)

    for model in doomed:
        visit(model)
    return order


@transaction.atomic
def demo_reset() -> int:
    """Delete the demo's rows; return how many."""
    usernames = [account.username for account in DEMO_ACCOUNTS]
    deleted = RoleAssignment.objects.filter(user__username__in=usernames).delete()[0]
    deleted += Token.objects.filter(user__username__in=usernames).delete()[0]
    doomed = doomed_rows()
    with connection.cursor() as cursor:
        for model in referrers_first(doomed):
            where = f" WHERE {doomed[model]}" if doomed[model] else ""
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}{where}")
            deleted += max(cursor.rowcount, 0)
    return deleted


def demo_present() -> bool:
    return Grid.objects.exists()
