"""The place tree: District → Town → Community → (Cooperative) → Grid (levels 1-3) → Estate / Building → Dwelling."""

import math

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from banyan.accounts.roles import Level
from banyan.core.scoping import COMMUNITY_LOOKUPS, ScopedManager
from banyan.places import geo

BUILDING_USE = [("01", "住宅"), ("02", "商业"), ("03", "办公"), ("04", "工业"), ("05", "仓储"),
                ("06", "商住混用"), ("99", "其他")]  # GB/T 31000-2015 建筑用途


class District(models.Model):
    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=50)

    place_lookups = {Level.DISTRICT: "pk"}
    objects = ScopedManager()

    class Meta:
        verbose_name = verbose_name_plural = _("区")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Town(models.Model):
    class Kind(models.TextChoices):
        TOWN = "town", _("镇")
        SUBDISTRICT = "subdistrict", _("街道")

    district = models.ForeignKey(District, models.PROTECT, related_name="towns", verbose_name=_("区"))
    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)

    place_lookups = {Level.DISTRICT: "district", Level.TOWN: "pk"}
    objects = ScopedManager()

    class Meta:
        verbose_name = verbose_name_plural = _("镇街")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Community(models.Model):
    class Kind(models.TextChoices):
        URBAN = "urban", _("社区（居委会）")
        VILLAGE = "village", _("村（村委会）")

    town = models.ForeignKey(Town, models.PROTECT, related_name="communities", verbose_name=_("镇街"))
    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("简称"), max_length=50, db_index=True)
    full_name = models.CharField(_("全称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.URBAN)
    area_km2 = models.DecimalField(_("面积（平方公里）"), max_digits=8, decimal_places=2, null=True, blank=True)
    description = models.TextField(_("简介"), blank=True)

    place_lookups = {Level.DISTRICT: "town__district", Level.TOWN: "town", Level.COMMUNITY: "pk"}
    objects = ScopedManager()

    class Meta:
        verbose_name = verbose_name_plural = _("社区")
        ordering = ["code"]

    def __str__(self):
        return self.name


class CommunityPlace(models.Model):
    """A place inside one community, reachable by the access door through `community`."""

    community = models.ForeignKey(Community, models.PROTECT, related_name="+", verbose_name=_("社区"))

    place_lookups = {k: v for k, v in COMMUNITY_LOOKUPS.items() if k != Level.GRID}
    # The related record this one takes its place (community, and grid where it has one) from: a dwelling from
    # its building, a room from its rental property. Forms and the API do not ask for those columns.
    place_from: str | None = None
    objects = ScopedManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.take_place()
        super().save(*args, **kwargs)

    def full_clean(self, exclude=None, *args, **kwargs):
        self.take_place()
        # A form without a community field (a grid worker's) requires the grid, and says so itself.
        if not self.community_id and not self.place_from and hasattr(self, "grid_id") \
                and "community" not in (exclude or ()):
            raise ValidationError({"community": _("请选择社区，或选择网格。")})
        super().full_clean(exclude, *args, **kwargs)

    def take_place(self) -> None:
        """Set the place columns that follow from others: from `place_from`'s record, or the community from the
        grid. The one rule for pages, the API and every save."""
        if self.place_from:
            if getattr(self, f"{self.place_from}_id"):
                parent = getattr(self, self.place_from)
                self.community_id = parent.community_id
                if hasattr(self, "grid_id"):
                    self.grid_id = getattr(parent, "grid_id", None)
        elif getattr(self, "grid_id", None) and not self.community_id:
            self.community_id = self.grid.community_id


class GriddedPlace(CommunityPlace):
    """A place inside one community and one grid: the grid worker of that grid sees it."""

    grid = models.ForeignKey("places.Grid", models.PROTECT, related_name="+", verbose_name=_("网格"),
                             null=True, blank=True)

    place_lookups = COMMUNITY_LOOKUPS

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.grid_id and self.community_id and self.grid.community_id != self.community_id:
            raise ValidationError({"grid": _("所选网格不属于该社区。")})


class Cooperative(CommunityPlace):
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        verbose_name = verbose_name_plural = _("经济社")
        ordering = ["community", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="cooperative_unique_name")]

    def __str__(self):
        return self.name


class Grid(CommunityPlace):
    """The three-level red grid: level 1 is the community grid, 2 a grid, 3 a micro-grid (building, block)."""

    class Level(models.IntegerChoices):
        COMMUNITY = 1, _("一级网格（社区）")
        GRID = 2, _("二级网格")
        MICRO = 3, _("三级网格（楼栋/片区）")

    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("上级网格"))
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    name = models.CharField(_("名称"), max_length=80)
    code = models.CharField(_("编号"), max_length=30, blank=True)
    cooperative = models.ForeignKey(Cooperative, models.SET_NULL, null=True, blank=True, related_name="grids",
                                    verbose_name=_("经济社"))
    boundary = models.JSONField(_("边界（GeoJSON）"), null=True, blank=True)

    place_lookups = {**CommunityPlace.place_lookups, "grid": "pk"}

    class Meta:
        verbose_name = verbose_name_plural = _("网格")
        ordering = ["community", "level", "code", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.level == self.Level.COMMUNITY and self.parent_id:
            raise ValidationError({"parent": _("一级网格没有上级网格。")})
        if self.level and self.level > self.Level.COMMUNITY:
            if not self.parent_id:
                raise ValidationError({"parent": _("二级、三级网格必须选择上级网格。")})
            if self.parent.level != self.level - 1 or self.parent.community_id != self.community_id:
                raise ValidationError({"parent": _("上级网格须属于同一社区，且层级高一级。")})
        if self.boundary is not None:
            self.boundary = validate_geojson_polygon(self.boundary, within=self.enclosing())

    def enclosing(self) -> "Grid | None":
        """The nearest grid above this one that has a boundary: this grid's boundary must lie inside it."""
        above = self.parent if self.parent_id else None
        while above is not None and above.boundary is None:
            above = above.parent if above.parent_id else None
        return above


MAX_POSITIONS = 5000  # a grid drawn by hand or traced from a survey has tens to hundreds
MAX_SPAN = 0.5  # degrees, ~50 km: wider than any community; wider is a slip (degrees as metres, swapped digits)


def validate_geojson_polygon(value, *, within: Grid | None = None) -> dict:
    """The geometry of a boundary (a Polygon or MultiPolygon, given bare or as a Feature or a FeatureCollection of
    one), checked: every ring closed, of at least 4 positions, longitude and latitude in range, not crossing
    itself, and every vertex inside (or on the edge of) `within`'s boundary. Refused with a Chinese message."""

    def refuse(message, **params):
        raise ValidationError({"boundary": ValidationError(message, params=params or None)})

    geometry = geo.geometry_of(value)
    if geometry is None or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        refuse(_("边界须为 GeoJSON 的 Polygon 或 MultiPolygon（也可以是包含其一的 Feature）。"))
    depth = 3 if geometry["type"] == "Polygon" else 4
    coordinates = geometry.get("coordinates")
    if not _nested(coordinates, depth):
        refuse(_("边界的坐标格式不正确：每个环须是由 [经度, 纬度] 组成的列表。"))
    rings = list(geo.rings_of(geometry))
    if sum(len(ring) for ring in rings) > MAX_POSITIONS:
        refuse(_("边界的坐标点过多（最多 %(max)s 个）。"), max=f"{MAX_POSITIONS:,}")
    clean = []
    for ring in rings:
        if not all(len(p) in (2, 3) and all(_is_number(c) for c in p) for p in ring):
            refuse(_("边界的坐标须是数字：[经度, 纬度]。"))
        if not all(-180 <= p[0] <= 180 and -90 <= p[1] <= 90 for p in ring):
            refuse(_("边界的坐标超出经纬度范围（经度 -180～180，纬度 -90～90），请检查经纬度是否填反。"))
        clean.append([[float(p[0]), float(p[1])] for p in ring])
    for ring in clean:
        if len(ring) < 4:
            refuse(_("边界的每个环至少需要 4 个坐标点（3 个顶点，最后一点与第一点相同）。"))
        if ring[0] != ring[-1]:
            refuse(_("边界没有闭合：每个环的最后一个坐标点须与第一个相同。"))
        if geo.ring_crosses_itself(ring):
            refuse(_("边界的边线相互交叉：请按顺序沿边界依次取点。"))
        if geo.ring_area(ring) == 0:
            refuse(_("边界面积为零：顶点不能都在一条直线上。"))
    west, south, east, north = geo.bounds(geometry)
    if east - west > MAX_SPAN or north - south > MAX_SPAN:
        refuse(_("边界范围过大（超过约 50 公里），请检查坐标是否为经纬度。"))
    if within is not None and geo.geometry_of(within.boundary) is not None:
        outline = geo.geometry_of(within.boundary)
        outside = sum(1 for ring in clean for x, y in ring[:-1] if not geo.contains_point(outline, x, y))
        if outside:
            refuse(_("边界超出上级网格“%(name)s”的范围：有 %(n)s 个顶点在其外。"), name=within.name, n=outside)
    # Stored bare, as plain [longitude, latitude] numbers (an altitude says nothing about a grid).
    polygons, rest = [], iter(clean)
    for polygon in geo.polygons_of(geometry):
        polygons.append([next(rest) for _ring in polygon])
    return {"type": geometry["type"], "coordinates": polygons[0] if geometry["type"] == "Polygon" else polygons}


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _nested(value, depth: int) -> bool:
    """Whether `value` is a non-empty list nested `depth` deep whose innermost items are positions' numbers."""
    if depth == 1:
        return isinstance(value, list) and bool(value) and not any(isinstance(v, list | dict) for v in value)
    return isinstance(value, list) and bool(value) and all(_nested(v, depth - 1) for v in value)


class IndustrialPark(GriddedPlace):
    name = models.CharField(_("名称"), max_length=80)
    area_mu = models.DecimalField(_("面积（亩）"), max_digits=10, decimal_places=1, null=True, blank=True)
    description = models.TextField(_("简介"), blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("村级工业园")
        ordering = ["community", "name"]

    def __str__(self):
        return self.name


class Estate(GriddedPlace):
    name = models.CharField(_("名称"), max_length=80)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    property_company = models.ForeignKey("people.PropertyCompany", models.SET_NULL, null=True, blank=True,
                                         related_name="estates", verbose_name=_("物业公司"))

    class Meta:
        verbose_name = verbose_name_plural = _("小区")
        ordering = ["community", "name"]

    def __str__(self):
        return self.name


class Building(GriddedPlace):
    estate = models.ForeignKey(Estate, models.PROTECT, null=True, blank=True, related_name="buildings",
                               verbose_name=_("小区"))
    cooperative = models.ForeignKey(Cooperative, models.SET_NULL, null=True, blank=True,
                                    related_name="buildings", verbose_name=_("经济社"))
    name = models.CharField(_("楼栋"), max_length=80)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    use = models.CharField(_("建筑用途"), max_length=2, choices=BUILDING_USE, default="01")
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("楼栋")
        ordering = ["community", "name"]

    def __str__(self):
        return f"{self.estate.name} {self.name}" if self.estate_id else self.name

    def clean(self):
        super().clean()
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("经纬度须同时填写或同时留空。"))
        if self.latitude is not None and not (-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180):
            raise ValidationError(_("经纬度超出范围。"))
        if self.estate_id and self.estate.community_id != self.community_id:
            raise ValidationError({"estate": _("所选小区不属于该社区。")})

    @property
    def point(self) -> dict | None:
        """The building as a GeoJSON point, for maps."""
        if self.latitude is None:
            return None
        return {"type": "Point", "coordinates": [float(self.longitude), float(self.latitude)]}


class Dwelling(GriddedPlace):
    place_from = "building"
    building = models.ForeignKey(Building, models.PROTECT, related_name="dwellings", verbose_name=_("楼栋"))
    number = models.CharField(_("房号"), max_length=30)
    area_m2 = models.DecimalField(_("面积（平方米）"), max_digits=8, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("房屋")
        ordering = ["building", "number"]
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="dwelling_unique_number")]

    def __str__(self):
        return f"{self.building} {self.number}"
