"""Which rows are the demo's, deleting them, and what else the database holds.

The demo's rows are the rows it created, and whatever has since been attached to them:
- each load records, in a `DemoLoad` row, the range of primary keys it took in every table of the apps it writes
  (OWNING_APPS: places below the division tree, people, party, cases but for its reference data and its
  similar-case index). Keys only grow, on SQLite (AUTOINCREMENT) and PostgreSQL (sequences) alike, and the load
  holds those tables while it writes them, so a row added before or after it (by a person, by an import) falls
  outside;
- a row of any table that points at a demo row (a tenant registered in a demo room, a grid drawn under a demo
  grid, a role held at one) is the demo's too: it was made inside the demo and cannot outlive what it points at.
  These are found by following foreign keys, so a new app needs no change here (a new demo stage that writes
  rows of its own to another app adds that app to OWNING_APPS).
Everything else is other data: rows of those apps outside the demo, and users other than the demo accounts and
superusers. `banyan demo` refuses to run while there is any, unless told (`--allow-other-data`); it then loads the
demo beside that data and deletes only the demo's rows. A fresh database (the division tree only) holds none.

Never deleted: the event log (the `events` app: it has no foreign keys to records, and is excluded by name so
that none added later could reach it), users (the demo accounts are refreshed by the accounts stage; the log may
name them; their roles and API tokens go), the division tree, and the category tree and time limits of cases.
A database loaded by a version before loads were recorded is recognised by its demo accounts (migration 0001), and
its rows below the division tree taken as that
demo's, as that version deleted all of them on every load.
"""

from collections import defaultdict

from django.apps import apps
from django.db import connection, models, transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from banyan.accounts.models import RoleAssignment, User
from banyan.demo.accounts import DEMO_ACCOUNTS
from banyan.demo.models import DemoLoad

OWNING_APPS = ("places", "people", "party", "cases")
DIVISIONS = {"places.district", "places.town", "places.community"}
# The cases' reference data (the category tree and time limits), loaded by migration like the division tree.
REFERENCE = {"cases.category", "cases.timelimit"}
# The similar-case index: derived from the cases, made afresh after the demo's are written or deleted (and its
# postings have a composite primary key, which the SQL here cannot name).
DERIVED = {"cases.caseterm", "cases.termcount"}
NEVER_APPS = {"events", "demo"}  # the log, and the demo's own record (replaced by reset itself)
KEPT = DIVISIONS | REFERENCE | {User._meta.label_lower}
INTEGER_KEYS = {"AutoField", "BigAutoField", "SmallAutoField"}


class OtherData(Exception):
    """The database holds data the demo did not create: the demo was not loaded, nothing was changed."""

    def __init__(self, found: dict[str, int]):
        self.found = found
        listed = "、".join(f"{what} {count:,}" for what, count in found.items())
        super().__init__(_("数据库中有不是演示数据创建的数据（%(found)s）：演示数据没有加载，数据库没有任何改动。")
                         % {"found": listed})


def owned_models() -> list[type[models.Model]]:
    return [model for label in OWNING_APPS
            for model in apps.get_app_config(label).get_models(include_auto_created=True)
            if model._meta.label_lower not in DIVISIONS | REFERENCE | DERIVED]


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


def literal(value) -> str:
    return str(int(value)) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


def tables_hold() -> None:
    """Keep others from writing the demo's tables until the load commits, so that its key ranges hold only its
    rows (PostgreSQL; SQLite lets one connection write at a time anyway). Call inside the load's transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            tables = ", ".join(qn(model._meta.db_table) for model in owned_models())
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


def keys_max() -> dict[str, int]:
    """The largest primary key of each of the demo's tables now (0 when empty)."""
    tops = {}
    with connection.cursor() as cursor:
        for model in owned_models():
            if model._meta.pk.get_internal_type() in INTEGER_KEYS:
                cursor.execute(f"SELECT MAX({qn(model._meta.pk.column)}) FROM {qn(model._meta.db_table)}")
                tops[model._meta.label_lower] = cursor.fetchone()[0] or 0
    return tops


def demo_mark(*, seed: int, scale: float, before: dict[str, int]) -> DemoLoad:
    """Record the rows created since `before` (keys_max() when the load began) as the demo's."""
    keys = {label: [[before.get(label, 0) + 1, top]] for label, top in keys_max().items()
            if top > before.get(label, 0)}
    return DemoLoad.objects.create(seed=seed, scale=scale, keys=keys)


def recorded_keys() -> dict[type[models.Model], list[list[int]]]:
    spans = defaultdict(list)
    for keys in DemoLoad.objects.values_list("keys", flat=True):
        for label, ranges in keys.items():
            try:
                spans[apps.get_model(label)] += ranges
            except LookupError:  # a model removed since
                continue
    return spans


def ties(model: type[models.Model], tables) -> list[models.ForeignKey]:
    """The foreign keys of `model` to the models in `tables`."""
    return [f for f in model._meta.concrete_fields if f.is_relation and f.related_model in tables]


class DemoRows:
    """The demo's rows, table by table: the recorded key ranges, and the keys of the rows found pointing at demo
    rows (looked for again until no more are found: a chain of rows, each made inside the demo, is the demo's)."""

    def __init__(self):
        self.spans = recorded_keys()
        self.attached: dict[type[models.Model], list] = defaultdict(list)
        reachable = [model for model in apps.get_models(include_auto_created=True)
                     if model._meta.app_label not in NEVER_APPS and model._meta.label_lower not in KEPT | DERIVED]
        with connection.cursor() as cursor:
            while self._attach(reachable, cursor):
                pass
        self.tables = {model: where for model in reachable if (where := self.picked(model))}

    def _attach(self, reachable: list, cursor) -> bool:
        picked = {model: where for model in reachable if (where := self.picked(model))}
        found = False
        for model in reachable:
            if not (keys := ties(model, picked)):
                continue
            table, others = qn(model._meta.db_table), self.others(model)
            # Most often every row is the demo's: a count by key ranges is quick, the search below is not.
            cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {others}")
            if not cursor.fetchone()[0]:
                continue
            tied = " OR ".join(f"{qn(key.column)} IN (SELECT {qn(key.target_field.column)} FROM "
                               f"{qn(key.related_model._meta.db_table)} WHERE {picked[key.related_model]})"
                               for key in keys)
            cursor.execute(f"SELECT {qn(model._meta.pk.column)} FROM {table} WHERE ({tied}) AND ({others})")
            if more := [row[0] for row in cursor.fetchall()]:
                self.attached[model] += more
                found = True
        return found

    def picked(self, model: type[models.Model]) -> str:
        """The SQL condition picking the demo's rows of `model` ("" when it has none)."""
        pk = qn(model._meta.pk.column)
        parts = [f"{pk} BETWEEN {int(first)} AND {int(last)}" for first, last in self.spans[model]]
        if attached := self.attached[model]:
            parts.append(f"{pk} IN ({', '.join(literal(key) for key in attached)})")
        return " OR ".join(parts)

    def others(self, model: type[models.Model]) -> str:
        """The SQL condition picking the other rows: the gaps between the key ranges, which the primary key's
        index serves (NOT (…) would read the whole table)."""
        pk = qn(model._meta.pk.column)
        gaps, low = [], None
        for first, last in sorted(self.spans[model]):
            if low is None:
                gaps.append(f"{pk} < {int(first)}")
            elif first > low + 1:
                gaps.append(f"({pk} > {low} AND {pk} < {int(first)})")
            low = max(int(last), low if low is not None else int(last))
        if low is not None:
            gaps.append(f"{pk} > {low}")
        where = " OR ".join(gaps) or "1 = 1"
        if attached := self.attached[model]:
            where = f"({where}) AND {pk} NOT IN ({', '.join(literal(key) for key in attached)})"
        return where


def referrers_first(tables: dict) -> list[type[models.Model]]:
    """The models ordered so that rows pointing at others are deleted before what they point at."""
    order, seen = [], set()

    def visit(model):
        if model in seen:
            return
        seen.add(model)
        for other in tables:
            if model in {key.related_model for key in ties(other, tables)}:
                visit(other)
        order.append(model)

    for model in tables:
        visit(model)
    return order


def other_data(rows: DemoRows | None = None) -> dict[str, int]:
    """What the database holds that is not the demo's: {kind of record: how many}, empty when nothing."""
    rows = rows or DemoRows()
    found: dict[str, int] = defaultdict(int)
    with connection.cursor() as cursor:
        for model in owned_models():
            cursor.execute(f"SELECT COUNT(*) FROM {qn(model._meta.db_table)} WHERE {rows.others(model)}")
            if count := cursor.fetchone()[0]:
                found[str(model._meta.verbose_name_plural)] += count
    usernames = [account.username for account in DEMO_ACCOUNTS]
    if users := User.objects.filter(is_superuser=False).exclude(username__in=usernames).count():
        found[str(User._meta.verbose_name_plural)] = users
    return dict(found)


@transaction.atomic
def demo_reset(rows: DemoRows | None = None) -> int:
    """Delete the demo's rows (and the record of its loads); return how many. `rows`: found already, nothing
    written since."""
    usernames = [account.username for account in DEMO_ACCOUNTS]
    deleted = RoleAssignment.objects.filter(user__username__in=usernames).delete()[0]
    deleted += Token.objects.filter(user__username__in=usernames).delete()[0]
    tables = (rows or DemoRows()).tables
    with connection.cursor() as cursor:
        for model in referrers_first(tables):
            cursor.execute(f"DELETE FROM {qn(model._meta.db_table)} WHERE {tables[model]}")
            deleted += max(cursor.rowcount, 0)
    DemoLoad.objects.all().delete()
    if any(model._meta.label_lower == "cases.case" for model in tables):
        similar_index_renew()
    return deleted


def similar_index_renew() -> None:
    """The similar-case index without the deleted cases' postings (the SQL above bypasses the ORM's cascade)."""
    from banyan.cases.similar import similar_index_rebuild

    similar_index_rebuild()


def demo_present() -> bool:
    return DemoLoad.objects.exists()
