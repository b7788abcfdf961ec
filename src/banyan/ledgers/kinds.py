"""The kinds of ledger that can be imported: their columns, how rows find their place and key, and the model.

A kind's `derive` takes the frame of parsed cells and adds the model's columns (place ids, related ids,
derived fields), refusing rows by setting `_error`. Personal numbers named in `pii` are hashed by the engine
before `derive` (the hash is the key of residents and party members) and encrypted only for rows written.
"""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from banyan.ledgers.columns import (
    Column,
    address,
    birth_date,
    choice,
    contact_phone,
    count,
    credit_code,
    date,
    date_or_month,
    decimal,
    firm_name,
    id_number,
    mobile,
    normalize_address,
    person_name,
    text,
)
from banyan.people import models as people

COMMUNITY = Column("community", "社区", ("所属社区", "社区名称", "村(居)委会", "村居", "村委会", "居委会"),
                   parse=text(80), example="东联")
GRID = Column("grid", "网格", ("所属网格", "网格名称", "网格编号"), parse=text(80), example="")
SEP = "\x1f"  # joins the parts of a composite lookup key
ROW_KEY_HEADER = "系统编号"  # first column of an export shaped as the template: the record's id


@dataclass(frozen=True)
class Kind:
    slug: str
    title: object  # lazy Chinese name
    label: str  # model label; the importing user needs CHANGE on it
    columns: tuple[Column, ...]
    key_fields: tuple[str, ...]  # model fields that identify a row for upsert
    derive: Callable[[pl.DataFrame, "Places"], pl.DataFrame]
    pii: dict[str, str] = field(default_factory=dict)  # frame column → "id_number" | "phone"
    before_write: Callable[[pl.DataFrame, "Places"], pl.DataFrame] | None = None
    file_key: tuple[str, ...] = ()  # what makes two rows of one file the same, when not the key (new parents)

    @property
    def duplicate_key(self) -> list[str]:
        return list(self.file_key or self.key_fields)

    @property
    def model(self):
        return apps.get_model(self.label)


def refuse(df: pl.DataFrame, condition: pl.Expr, message: str | pl.Expr) -> pl.DataFrame:
    """Refuse the rows matching `condition` (where not already refused) with `message`."""
    message = message if isinstance(message, pl.Expr) else pl.lit(message)
    return df.with_columns(pl.coalesce("_error", pl.when(condition).then(message)).alias("_error"))


def key(*parts: pl.Expr) -> pl.Expr:
    return pl.concat_str([p.cast(pl.Utf8) for p in parts], separator=SEP)


class Places:
    """Community and grid names to ids, within where the importing user may write this kind, and cached maps
    of related rows (households, parks, party orgs, rooms) by community."""

    def __init__(self, *, user, kind: Kind, community=None, households: bool = False):
        from banyan.accounts.roles import Action
        from banyan.core.scoping import writable_places
        from banyan.places.models import Community

        self.default_community = community
        self.households = households  # a resident's unknown 户号 makes a new household (the user ticked 按户号建户)
        self.new_households: set[str] = set()  # "community_id␟number" of the households the file will create
        self.user = user
        # While the import writes, its connection is shared with the writer thread: whoever uses it holds `lock`
        # (the writer's). Reads of stored rows may go to a `reader` connection of their own instead.
        self.lock = contextlib.nullcontext()
        self.reader = None
        # Whole communities here (a grid's records are checked against its grid below), and the grids.
        writable = Community.objects.visible_to(user, Action.CHANGE, on=kind.label)
        self.writable_communities = sorted(writable.values_list("pk", flat=True))
        grids = list(writable_places(user, kind.label)[1].values_list("pk", "community_id", "name", "code"))
        self.grids = {f"{c}{SEP}{name}": pk for pk, c, name, _code in grids}
        self.grids |= {f"{c}{SEP}{code}": pk for pk, c, _name, code in grids if code}
        self.grid_ids = sorted({pk for pk, *_ in grids})
        # Names resolve for every community the user reaches, whole or through a grid; writing is checked after.
        self.reachable = sorted(set(self.writable_communities) | {c for _pk, c, *_ in grids})
        self.communities: dict[str, int] = {}
        rows = Community.objects.filter(pk__in=self.reachable).values_list("pk", "name", "full_name", "code")
        for pk, name, full_name, code in rows:
            for alias in (name, full_name, code, f"{name}社区", f"{name}村", f"{name}居委会", f"{name}村委会",
                          f"{name}社区居委会", f"{name}居民委员会", f"{name}村民委员会", f"{name}社区居民委员会"):
                self.communities.setdefault(alias, pk)
        self._maps: dict[str, dict] = {}

    def place(self, df: pl.DataFrame) -> pl.DataFrame:
        """Adds community_id and grid_id; refuses rows outside where the user may write."""
        if "community" in df.columns:
            df = df.with_columns(pl.col("community").replace_strict(self.communities, default=None,
                                                                    return_dtype=pl.Int64).alias("community_id"))
            default = self.default_community
            df = refuse(df, pl.col("community").is_not_null() & pl.col("community_id").is_null(),
                        pl.format(_("社区“{}”不存在或不在您的管辖范围内"), pl.col("community")))
            if default is not None:
                df = refuse(df, pl.col("community_id") != default.pk,
                            pl.format(_("社区“{}”与所选社区“{}”不一致"), pl.col("community"), pl.lit(default.name)))
                df = df.with_columns(pl.col("community_id").fill_null(default.pk))
        else:
            pk = self.default_community.pk if self.default_community else None
            df = df.with_columns(pl.lit(pk, dtype=pl.Int64).alias("community_id"))
        df = refuse(df, pl.col("community_id").is_null(), _("缺少社区：请填写“社区”列，或在导入时选择社区"))
        if "grid" in df.columns:
            df = df.with_columns(key(pl.col("community_id"), pl.col("grid")).replace_strict(
                self.grids, default=None, return_dtype=pl.Int64).alias("grid_id"))
            df = refuse(df, pl.col("grid").is_not_null() & pl.col("grid_id").is_null(),
                        pl.format(_("网格“{}”不在该社区或不在您的管辖范围内"), pl.col("grid")))
        elif len(self.grid_ids) == 1 and not self.writable_communities:
            # A grid worker of one grid writes only there: their file needs no 网格 column, as a one-community
            # clerk's needs no 社区 column.
            df = df.with_columns(pl.lit(self.grid_ids[0], dtype=pl.Int64).alias("grid_id"))
        else:
            df = df.with_columns(pl.lit(None, dtype=pl.Int64).alias("grid_id"))
        return self.check(df)

    def check(self, df: pl.DataFrame, community: str = "community_id", grid: str = "grid_id") -> pl.DataFrame:
        allowed = pl.col(community).is_in(self.writable_communities) | pl.col(grid).is_in(self.grid_ids)
        return refuse(df, ~allowed.fill_null(False), _("您只能导入本网格的记录：请填写“网格”列"))

    def related(self, name: str, queryset, key_fields: tuple[str, ...], value: str = "pk") -> dict[str, object]:
        """{"community_id␟key…": value} for related rows in the communities the user can reach."""
        if name not in self._maps:
            with self.lock:
                rows = list(queryset.filter(community_id__in=self.reachable)
                            .values_list(value, "community_id", *key_fields))
            self._maps[name] = {SEP.join(str(p) for p in parts): v for v, *parts in rows}
        return self._maps[name]

    def rows(self, name: str, queryset, schema: dict) -> pl.DataFrame:
        """A cached frame of related rows in the communities the user can reach (e.g. rental properties)."""
        if name not in self._maps:
            with self.lock:
                values = list(queryset.filter(community_id__in=self.reachable).values_list(*schema))
            self._maps[name] = pl.DataFrame(values, schema=schema, orient="row")
        return self._maps[name]

    def link(self, df: pl.DataFrame, *, column: str, to: str, mapping: dict, parts: list[pl.Expr],
             message: pl.Expr | str, dtype=pl.Int64) -> pl.DataFrame:
        """Adds `to` looked up from `mapping` by the key of `parts`, refusing rows whose `column` finds nothing."""
        if column not in df.columns:
            return df.with_columns(pl.lit(None, dtype=dtype).alias(to))
        df = df.with_columns(key(*parts).replace_strict(mapping, default=None, return_dtype=dtype).alias(to))
        return refuse(df, pl.col(column).is_not_null() & pl.col(to).is_null(), message)


def resident_derive(df: pl.DataFrame, places: Places) -> pl.DataFrame:
    df = places.place(df)
    number = pl.col("id_number")
    # Sex and birth date come from the ID number; where the file gives none (a masked one), they stay as stored.
    df = df.with_columns(number.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False).alias("_born"),
                         pl.when(number.is_null()).then(pl.lit(None, dtype=pl.Utf8))
                         .when(number.str.slice(16, 1).cast(pl.Int32, strict=False) % 2 == 1).then(pl.lit("1"))
                         .otherwise(pl.lit("2")).alias("_sex"))
    if "sex" in df.columns:
        df = refuse(df, pl.col("sex").is_not_null() & (pl.col("sex") != pl.col("_sex")), _("性别与身份证号不符"))
    if "birth_date" in df.columns:
        df = refuse(df, pl.col("birth_date").is_not_null() & (pl.col("birth_date") != pl.col("_born")),
                    _("出生日期与身份证号不符"))
    households = places.related("household", people.Household.objects, ("number",))
    if places.households and "household" in df.columns:
        df = df.with_columns(key(pl.col("community_id"), pl.col("household")).replace_strict(
            households, default=None, return_dtype=pl.Int64).alias("household_id"))
        df = df.with_columns((pl.col("_error").is_null() & pl.col("household").is_not_null()
                              & pl.col("household_id").is_null()).alias("_new_household"))
        places.new_households.update(df.filter(pl.col("_new_household"))
                                     .select(key(pl.col("community_id"), pl.col("household"))).to_series().to_list())
    else:
        df = places.link(df, column="household", to="household_id", mapping=households,
                         parts=[pl.col("community_id"), pl.col("household")],
                         message=pl.format(_("户号“{}”在该社区不存在：请先导入户，或在导入时勾选“按户号建户”"),
                                           pl.col("household")))
    return df.with_columns(pl.col("_sex").alias("sex"), pl.col("_born").alias("birth_date"))


def households_write(df: pl.DataFrame, places: Places) -> pl.DataFrame:
    """Before residents are written (按户号建户): create the households their 户号 names that do not exist yet,
    at the address the file gives (户籍地址, else 现住址), each with its `created` event."""
    from banyan.events.models import Event
    from banyan.events.services import event_record

    if "_new_household" not in df.columns:
        return df
    new = df.filter(pl.col("_new_household"))
    if new.is_empty():
        return df
    address = [c for c in ("registered_address", "current_address") if c in new.columns]
    households = places.related("household", people.Household.objects, ("number",))
    with places.lock:
        for row in new.unique(["community_id", "household"], keep="first", maintain_order=True).iter_rows(
                named=True):
            found = f"{row['community_id']}{SEP}{row['household']}"
            if found in households:
                continue
            household = people.Household.objects.create(
                community_id=row["community_id"], grid_id=row.get("grid_id"), number=row["household"],
                address=next((row[c] for c in address if row.get(c)), ""))
            event_record(by=places.user, action=Event.Action.CREATED, obj=household, note=_("按户号建户（导入）"))
            households[found] = household.pk
    return df.with_columns(pl.when(pl.col("_new_household")).then(
        key(pl.col("community_id"), pl.col("household")).replace_strict(households, default=None,
                                                                        return_dtype=pl.Int64))
        .otherwise(pl.col("household_id")).alias("household_id"))


def household_derive(df: pl.DataFrame, places: Places) -> pl.DataFrame:
    """A 户号 Excel stored as a number lost its leading zeros ("0014" → 14): refused saying so, not made a second
    household beside the stored one."""
    df = places.place(df)
    stored = places.rows("household_numbers", people.Household.objects, {"community_id": pl.Int64, "number": pl.Utf8})
    stored = (stored.filter(pl.col("number").str.contains(r"^0+\d"))
              .with_columns(pl.col("number").str.strip_chars_start("0").alias("_bare"))
              .unique(["community_id", "_bare"], keep="first").rename({"number": "_padded"}))
    df = df.with_columns(pl.col("number").str.strip_chars_start("0").alias("_bare")).join(
        stored, on=["community_id", "_bare"], how="left", maintain_order="left")
    lost = _("户号“{}”与已登记的“{}”只差开头的0（Excel 把户号存成了数字）：请把该列设为文本后重新填写")
    return refuse(df, pl.col("_padded").is_not_null() & (pl.col("number") != pl.col("_padded")),
                  pl.format(lost, pl.col("number"), pl.col("_padded")))


def enterprise_derive(df: pl.DataFrame, places: Places) -> pl.DataFrame:
    from banyan.places.models import IndustrialPark

    df = places.place(df)
    parks = places.related("park", IndustrialPark.objects, ("name",))
    return places.link(df, column="park", to="park_id", mapping=parks, parts=[pl.col("community_id"), pl.col("park")],
                       message=pl.format(_("工业园“{}”在该社区不存在"), pl.col("park")))


def party_member_derive(df: pl.DataFrame, places: Places) -> pl.DataFrame:
    from banyan.party.models import PartyOrg

    df = places.place(df)
    # Sex from the 17th digit; none where the file gives no readable number (a masked one keeps what is stored).
    digit = pl.col("id_number").str.slice(16, 1).cast(pl.Int32, strict=False)
    from_id = pl.when(digit.is_not_null()).then(pl.when(digit % 2 == 1).then(pl.lit("1")).otherwise(pl.lit("2")))
    if "sex" in df.columns:
        df = refuse(df, pl.col("sex").is_not_null() & from_id.is_not_null() & (pl.col("sex") != from_id),
                    _("性别与身份证号不符"))
    df = df.with_columns(from_id.alias("sex"))
    orgs = places.related("org", PartyOrg.objects, ("name",))
    df = places.link(df, column="org", to="org_id", mapping=orgs, parts=[pl.col("community_id"), pl.col("org")],
                     message=pl.format(_("党组织“{}”在该社区不存在"), pl.col("org")))
    if "kind" in df.columns and "work_unit" in df.columns:
        df = refuse(df, (pl.col("kind") == "in_service") & pl.col("work_unit").is_null(), _("在职党员须填写工作单位"))
    elif "kind" in df.columns:
        df = refuse(df, pl.col("kind") == "in_service", _("在职党员须填写工作单位"))
    if "joined_on" in df.columns:
        df = _joined_of_age(df)
    return df


def _joined_of_age(df: pl.DataFrame) -> pl.DataFrame:
    """The party constitution admits people of 18 and over: a joining date before the 18th birthday (or before
    birth) is a mistyped date or ID number. Compared by month, since 入党日期 is often given as a month alone."""
    born = pl.col("id_number").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    joined = pl.col("joined_on")
    df = refuse(df, joined < born.dt.truncate("1mo"),
                pl.format(_("入党日期“{}”早于身份证号中的出生日期"), joined.dt.strftime("%Y-%m-%d")))
    return refuse(df, joined < born.dt.truncate("1mo").dt.offset_by("18y"),
                  pl.format(_("入党日期“{}”时未满18岁，请核对入党日期和身份证号"), joined.dt.strftime("%Y-%m-%d")))


_PROPERTY_FIELDS = ("landlord_name", "landlord_phone_hash", "attendant_name", "use", "hazard")


def rental_room_derive(df: pl.DataFrame, places: Places) -> pl.DataFrame:
    """One row per room; its rental property is found by address, created with it when new, and brought up to
    date when the file says something else about it (`_property_changed`)."""
    df = places.place(df)
    stored = places.rows("property", people.RentalProperty.objects,
                         {"pk": pl.Int64, "community_id": pl.Int64, "address": pl.Utf8,
                          **dict.fromkeys(_PROPERTY_FIELDS, pl.Utf8)})
    stored = stored.rename({"pk": "rental_property_id", **{f: f"{f}_stored" for f in _PROPERTY_FIELDS}})
    # File addresses are normalised (columns.address); one typed with other spaces on a page is the same place.
    # Where two stored properties normalise alike, the older one is found.
    stored = (stored.with_columns(normalize_address(pl.col("address")).alias("address"))
              .sort("rental_property_id").unique(["community_id", "address"], keep="first", maintain_order=True))
    df = df.join(stored, on=["community_id", "address"], how="left").with_columns(_first_said(df))
    # A ledger names the landlord on a property's first row only: its other rooms are not missing it.
    df = df.with_columns(pl.when((pl.col("_missing") == "房东姓名") & pl.col("landlord_name").is_not_null())
                         .then(pl.lit(None, dtype=pl.Utf8)).otherwise(pl.col("_missing")).alias("_missing"))
    differs = [pl.col(f).is_not_null() & pl.col(f).ne_missing(pl.col(f"{f}_stored"))
               for f in _PROPERTY_FIELDS if f in df.columns]
    # <清空> in 值守人 or 房东电话 clears the property's value, as on any other record.
    if "_clear_attendant_name" in df.columns:
        differs.append(pl.col("_clear_attendant_name") & pl.col("attendant_name_stored").fill_null("").ne(""))
    if "_clear_landlord_phone" in df.columns:
        differs.append(pl.col("_clear_landlord_phone") & pl.col("landlord_phone_hash_stored").is_not_null())
    changed = pl.any_horizontal(differs) if differs else pl.lit(False)
    return df.with_columns((pl.col("rental_property_id").is_not_null() & changed).alias("_property_changed"))


def _first_said(df: pl.DataFrame) -> list[pl.Expr]:
    """What the file's first valid row of a property says of it, for each of its rooms' rows: rooms listed with
    another landlord phone further down neither override it nor make a re-import of the same file an update. A
    row that clears a field (<清空>) says something too: the first that gives or clears a field decides it."""
    valid = pl.col("_error").is_null()
    out = []
    for base, parts in (("landlord_name", ("",)), ("attendant_name", ("",)), ("use", ("",)), ("hazard", ("",)),
                        ("landlord_phone", ("", "_hash", "_enc", "_masked"))):
        if base not in df.columns:
            continue
        clear = f"_clear_{base}"
        cleared = pl.col(clear) if clear in df.columns else pl.lit(False)
        said = valid & (pl.col(base).is_not_null() | cleared)
        names = [base + part for part in parts if base + part in df.columns]
        if clear in df.columns:
            names.append(clear)
        out += [pl.when(valid).then(pl.col(name).filter(said).first().over("community_id", "address"))
                .otherwise(pl.col(name)).alias(name) for name in names]
    return out


def _property_values(row: dict) -> dict:
    """What a file row says about its rental property: the fields it gives, personal numbers sealed."""
    values = {f: row[f] for f in ("landlord_name", "attendant_name", "use", "hazard") if row.get(f) is not None}
    if row.get("landlord_phone_hash"):
        values |= {f"landlord_phone_{part}": row[f"landlord_phone_{part}"] for part in ("enc", "hash", "masked")}
    if row.get("_clear_attendant_name"):
        values["attendant_name"] = ""
    if row.get("_clear_landlord_phone"):
        values |= {"landlord_phone_enc": "", "landlord_phone_hash": None, "landlord_phone_masked": ""}
    return values


def rental_properties_write(df: pl.DataFrame, places: Places) -> pl.DataFrame:
    """Before rooms are written: create the rental properties new rooms belong to, update the ones the file
    corrects, and fill in the new properties' ids; one `imported` event tied to the properties it wrote."""
    changed = df.filter(pl.col("_property_changed"))
    new = df.filter(pl.col("rental_property_id").is_null())
    if changed.is_empty() and new.is_empty():
        return df
    with places.lock:
        touched = []
        for row in changed.unique(["rental_property_id"], keep="first", maintain_order=True).iter_rows(named=True):
            people.RentalProperty.objects.filter(pk=row["rental_property_id"]).update(**_property_values(row))
            touched.append(row["rental_property_id"])
        created = {}
        for row in new.unique(["community_id", "address"], keep="first", maintain_order=True).iter_rows(named=True):
            created[f"{row['community_id']}{SEP}{row['address']}"] = people.RentalProperty(
                community_id=row["community_id"], grid_id=row["grid_id"], address=row["address"],
                **{"use": "02", "hazard": "00", **_property_values(row)})
        people.RentalProperty.objects.bulk_create(created.values())
        _properties_event(places, created=len(created), updated=len(touched),
                          ids=touched + [p.pk for p in created.values()])
    ids = {k: v.pk for k, v in created.items()}
    return df.with_columns(pl.coalesce("rental_property_id", key(pl.col("community_id"), pl.col("address"))
                                       .replace_strict(ids, default=None, return_dtype=pl.Int64))
                           .alias("rental_property_id"))


def _properties_event(places: Places, *, created: int, updated: int, ids: list[int]) -> None:
    from banyan.events.models import Event
    from banyan.events.services import event_record, event_subjects_add

    event = event_record(by=places.user, action=Event.Action.IMPORTED, model=people.RentalProperty,
                         note=_("随出租屋房间导入"), data={"created": created, "updated": updated})
    event_subjects_add(event=event, ids=ids)


def tenancy_derive(df: pl.DataFrame, places: Places) -> pl.DataFrame:
    df = places.place(df.drop("grid", strict=False))
    residents = places.related("resident", people.Resident.objects, ("id_number_hash",))
    df = places.link(df, column="id_number", to="resident_id", mapping=residents,
                     parts=[pl.col("community_id"), pl.col("id_number_hash")],
                     message=_("身份证号对应的居民未在该社区登记，请先导入居民"))
    # Rooms by their property's address as the file's addresses are read (normalised), so a property typed on a
    # page with other spaces is still found; and the room's grid is the tenancy's.
    rooms = places.rows("rooms", people.RentalRoom.objects,
                        {"pk": pl.Int64, "community_id": pl.Int64, "rental_property__address": pl.Utf8,
                         "number": pl.Utf8, "grid_id": pl.Int64})
    rooms = (rooms.with_columns(normalize_address(pl.col("rental_property__address")).alias("address"))
             .sort("pk").unique(["community_id", "address", "number"], keep="first", maintain_order=True)
             .select(pl.col("pk").alias("room_id"), "community_id", "address", "number",
                     pl.col("grid_id").alias("_room_grid")))
    if "number" in df.columns and "address" in df.columns:
        df = df.join(rooms, on=["community_id", "address", "number"], how="left", maintain_order="left")
        df = refuse(df, pl.col("number").is_not_null() & pl.col("room_id").is_null(),
                    pl.format(_("出租屋“{}”的房间“{}”不存在，请先导入出租屋"), pl.col("address"), pl.col("number")))
    else:
        df = df.with_columns(pl.lit(None, dtype=pl.Int64).alias("room_id"), pl.lit(None, dtype=pl.Int64)
                             .alias("_room_grid"))
    df = places.check(df.with_columns(pl.col("_room_grid").alias("grid_id")))
    if "moved_out" in df.columns:
        df = refuse(df, pl.col("moved_out") < pl.col("moved_in"), _("搬离日期不能早于入住日期"))
    return df


# The words people write for the code lists, next to the columns that use them. A cell is matched after its
# spaces are dropped and full-width letters made half-width (columns.choice).
RESIDENCY = {"户籍": "registered", "户籍人口": "registered", "户籍人员": "registered", "常住": "permanent",
             "常住人口": "permanent", "非户籍常住": "permanent", "非户籍常住人口": "permanent", "流动": "migrant",
             "流动人口": "migrant", "流动人员": "migrant", "外来人口": "migrant", "外来": "migrant",
             "外来人员": "migrant", "外来务工": "migrant", "外来务工人员": "migrant", "务工人员": "migrant"}
SEX = {"男性": "1", "女性": "2", "未知": "9"}
# 汉 for 汉族, 维吾尔 for 维吾尔族…: every group by its name without 族.
ETHNICITY = {name.removesuffix("族"): code for code, name in people.ETHNICITY if name.endswith("族")}
# GB/T 4761 words, each put under the model's broader code (the model keeps 2-digit groups, not every relative).
RELATION = {
    **dict.fromkeys(("本人", "户主本人"), "02"),
    **dict.fromkeys(("妻", "夫", "妻子", "丈夫", "老婆", "老公"), "10"),
    **dict.fromkeys(("子", "女", "儿子", "女儿", "长子", "次子", "三子", "四子", "五子", "长女", "次女", "三女", "四女",
                     "五女", "独生子", "独生女", "养子", "养女", "继子", "继女", "养子或继子", "养女或继女",
                     "其他儿子", "其他女儿", "儿媳", "儿媳妇", "媳妇", "女婿", "二子", "二女", "之子", "之女",
                     "大儿子", "二儿子", "小儿子", "大女儿", "二女儿", "小女儿"), "20"),
    **dict.fromkeys(("孙子", "孙女", "外孙子", "外孙女", "外孙", "孙子女", "外孙子女", "孙子、孙女或外孙子、外孙女",
                     "孙媳妇", "孙女婿", "曾孙子", "曾孙女", "长孙", "次孙", "长孙女", "之孙"), "30"),
    **dict.fromkeys(("父", "母", "父亲", "母亲", "爸爸", "妈妈", "公公", "婆婆", "岳父", "岳母", "继父", "继母",
                     "养父", "养母", "继父或养父", "继母或养母"), "50"),
    **dict.fromkeys(("祖父", "祖母", "外祖父", "外祖母", "爷爷", "奶奶", "外公", "外婆", "祖父母或外祖父母"), "60"),
    **dict.fromkeys(("兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄弟", "姐妹", "兄、弟、姐、妹",
                     "嫂子", "弟媳", "姐夫", "妹夫"), "70"),
    **dict.fromkeys(("其它", "非亲属", "其他亲属", "伯父", "伯母", "叔父", "婶母", "舅父", "舅母", "姨父", "姨母",
                     "姑父", "姑母", "堂兄弟姐妹", "表兄弟姐妹", "侄子", "侄女", "外甥", "外甥女", "保姆", "租客"),
                    "99"),
}
POLITICAL_STATUS = {"党员": "01", "共产党员": "01", "中国共产党党员": "01", "预备党员": "02",
                    "中国共产党预备党员": "02", "团员": "03", "共青团员": "03", "中国共产主义青年团团员": "03",
                    "无党派": "12", "群众": "13", "普通群众": "13"}
HOUSEHOLD_KIND = {"家庭": "family", "家庭户口": "family", "集体": "collective", "集体户口": "collective"}
RENTAL_USE = {"住宅": "02", "居住": "02", "自住": "02", "员工宿舍": "01", "商业": "03", "商用": "03", "门面": "03",
              "店铺": "03", "办公室": "04", "写字楼": "04", "仓储": "05", "工厂": "06", "生产": "06", "厂房车间": "06",
              "其它": "99"}
RENTAL_HAZARD = {"没有": "00", "无隐患": "00", "暂无": "00", "火灾": "01", "消防隐患": "01", "治安": "02",
                 "纠纷": "03", "危化品": "04", "传染病": "05", "其它": "99"}
RESIDENCE_TYPE = {"自有房屋": "01", "自有住房": "01", "自购房": "01", "自建房": "01", "自有": "01", "租房": "02",
                  "租赁": "02", "租住": "02", "出租屋": "02", "宿舍": "05", "临时宿舍": "06", "借住房屋": "04",
                  "其它": "99"}
INFLOW_REASON = {"打工": "01", "学习": "04", "培训": "04", "上学": "04", "投靠亲友": "08", "探亲": "08", "其它": "99"}

_NAME = Column("name", "姓名", ("名字", "人员姓名"), required=True, parse=person_name(30), example="张三")
_ID = Column("id_number", "身份证号", ("公民身份号码", "公民身份证号", "公民身份证号码", "身份证号码", "身份证",
                                      "证件号码", "证件号", "身份证件号码"), required=True,
             parse=id_number, example="440605198503120016")
_PHONE = Column("phone", "手机号", ("联系电话", "手机号码", "电话", "联系方式", "手机", "联系手机", "移动电话",
                                    "电话号码"), parse=mobile, example="13812345678")
_ADDRESS = Column("address", "出租屋地址", ("地址", "房屋地址", "出租屋"), required=True, parse=address(200),
                  example="村前路8号")
_ROOM = Column("number", "房间号", ("房号", "房间"), required=True, parse=text(20), example="101")

KINDS: dict[str, Kind] = {k.slug: k for k in (
    Kind("residents", gettext_lazy("居民"), "people.resident", (
        _NAME, _ID,
        Column("residency", "人口类别", ("人员类别", "人员类型", "人口类型", "户籍类型", "居住类型", "人口属性"),
               required=True, parse=choice(people.Residency.choices, aliases=RESIDENCY), example="户籍人口"),
        COMMUNITY, GRID, _PHONE,
        Column("sex", "性别", (), parse=choice(people.SEX, aliases=SEX), example="男"),
        Column("birth_date", "出生日期", ("出生年月日", "出生年月", "出生时间"), parse=birth_date,
               example="1985-03-12"),
        Column("ethnicity", "民族", (), parse=choice(people.ETHNICITY, aliases=ETHNICITY), example="汉族"),
        Column("household", "户号", ("户编号",), parse=text(30), example=""),
        Column("relation", "与户主关系", ("与户主的关系", "家庭关系", "关系"),
               parse=choice(people.RELATION, aliases=RELATION), example="户主"),
        Column("political_status", "政治面貌", (), parse=choice(people.POLITICAL_STATUS, aliases=POLITICAL_STATUS),
               example="群众"),
        Column("registered_address", "户籍地址", ("户籍所在地", "户籍地详址", "户籍地"), parse=address(200),
               example="佛山市南海区丹灶镇东联村"),
        Column("current_address", "现住址", ("居住地址", "现居住地址", "现住地址", "住址", "现居住地", "现居地"),
               parse=address(200), example="东联社区村前路1号"),
        Column("inflow_reason", "流入原因", (), parse=choice(people.INFLOW_REASON, aliases=INFLOW_REASON),
               example=""),
        Column("permit_type", "办证类型", (), parse=choice(people.PERMIT_TYPE), example=""),
        Column("residence_type", "住所类型", (), parse=choice(people.RESIDENCE_TYPE, aliases=RESIDENCE_TYPE),
               example=""),
        Column("arrived_on", "来本地日期", ("流入日期", "来本地时间"), parse=date, example=""),
    ), ("id_number_hash",), resident_derive, {"id_number": "id_number", "phone": "phone"},
        before_write=households_write),
    Kind("households", gettext_lazy("户"), "people.household", (
        Column("number", "户号", ("户编号",), required=True, parse=text(30), example="H000001"),
        COMMUNITY, GRID,
        Column("kind", "户别", ("户类型", "户口类型"), parse=choice(people.Household.Kind.choices,
                                                                 aliases=HOUSEHOLD_KIND), example="家庭户"),
        Column("address", "地址", ("住址", "户籍地址"), parse=address(200), example="东联社区村前路1号"),
    ), ("community_id", "number"), household_derive),
    Kind("rentals", gettext_lazy("出租屋及房间"), "people.rentalroom", (
        _ADDRESS, _ROOM,
        # A landlord may be a company ("某某（佛山）有限公司"), so not a person's name with its checks.
        Column("landlord_name", "房东姓名", ("房东", "业主", "业主姓名"), required=True, parse=text(30),
               example="陈大文"),
        Column("landlord_phone", "房东电话", ("房东手机", "业主电话", "房东联系电话"), parse=contact_phone,
               example="13812345678"),
        COMMUNITY, GRID,
        Column("attendant_name", "值守人", ("24小时值守人",), parse=person_name(30), example=""),
        Column("use", "出租用途", ("用途", "房屋用途"), parse=choice(people.RENTAL_USE, aliases=RENTAL_USE),
               example="住房"),
        Column("hazard", "隐患类型", ("隐患",), parse=choice(people.RENTAL_HAZARD, aliases=RENTAL_HAZARD),
               example="无"),
        Column("capacity", "可住人数", ("核定人数",), parse=count, example="2"),
        Column("area_m2", "面积", ("房间面积", "面积(平方米)"), parse=decimal, example="15"),
    ), ("community_id", "rental_property_id", "number"), rental_room_derive, {"landlord_phone": "phone"},
        before_write=rental_properties_write, file_key=("community_id", "address", "number")),
    Kind("tenancies", gettext_lazy("入住登记"), "people.tenancy", (
        _ID, _ADDRESS, _ROOM,
        Column("moved_in", "入住日期", ("入住时间",), required=True, parse=date, example="2026-02-10"),
        Column("moved_out", "搬离日期", ("退租日期", "搬离时间"), parse=date, example=""),
        COMMUNITY,
    ), ("resident_id", "room_id", "moved_in"), tenancy_derive, {"id_number": "id_number"}),
    Kind("enterprises", gettext_lazy("企业"), "people.enterprise", (
        Column("name", "企业名称", ("名称", "单位名称", "企业"), required=True, parse=firm_name(100),
               example="东联五金制品厂"),
        Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码"), parse=credit_code, example=""),
        COMMUNITY, GRID,
        Column("park", "所在工业园", ("工业园", "园区"), parse=text(80), example=""),
        Column("industry", "行业", ("所属行业",), parse=text(50), example="五金"),
        Column("headcount", "从业人数", ("员工人数", "人数"), parse=count, example="35"),
        Column("address", "地址", ("企业地址",), parse=address(200), example=""),
        Column("contact_name", "负责人", ("联系人", "法定代表人"), parse=person_name(30), example=""),
        Column("contact_phone", "联系电话", ("负责人电话", "手机号", "手机号码", "联系手机", "手机"),
               parse=contact_phone, example=""),
    ), ("community_id", "name"), enterprise_derive, {"contact_phone": "phone"}),
    Kind("party-members", gettext_lazy("党员"), "party.partymember", (
        _NAME, _ID,
        Column("org", "所在党组织", ("党组织", "所在支部", "党支部"), required=True, parse=text(100),
               example="拾陈经济社党支部"),
        COMMUNITY, GRID, _PHONE,
        # The model keeps where a member belongs (本地/流动/在职), not whether full or probationary: most rosters'
        # 党员类别 says 正式党员 / 预备党员, which is taken as saying nothing about it.
        Column("kind", "党员类别", ("类别",), parse=choice(
            [("local", "本地党员"), ("mobile", "流动党员"), ("in_service", "在职党员")],
            aliases={"在职党员（机关报到）": "in_service", "机关报到党员": "in_service", "本地": "local",
                     "流动": "mobile", "在职": "in_service", "退休党员": "local", "离退休党员": "local",
                     "正式党员": None, "预备党员": None}),
            example="本地党员"),
        Column("joined_on", "入党日期", ("入党时间", "入党年月"), parse=date_or_month, example="2001-07-01"),
        Column("work_unit", "工作单位", ("单位",), parse=text(100), example=""),
        Column("sex", "性别", (), parse=choice(people.SEX, aliases=SEX), example=""),
    ), ("id_number_hash",), party_member_derive, {"id_number": "id_number", "phone": "phone"}),
)}
