"""The places of one community: the three-level red grid, estates, cooperatives, parks, buildings, dwellings.

Level 1 is the community; level 2 a grid of 300-500 households within one estate or one cooperative's village
(or one industrial park); level 3 a micro-grid: a building of an estate, a block of a village. Grids are laid
out as cells of a square of the community's area around its centre, so every grid has a boundary and every
building a point on the map inside its micro-grid.
"""

import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from banyan.demo.boundaries import boundaries_draw
from banyan.demo.census import Unit, apportion
from banyan.demo.figures import HOUSEHOLDS_PER_GRID, VACANCY, CooperativePlan, EstatePlan, OfficePlan, ParkPlan
from banyan.demo.identities import phone_number
from banyan.demo.site import Box, Home, Site
from banyan.people.models import PropertyCompany
from banyan.places.models import Building, Cooperative, Dwelling, Estate, Grid, IndustrialPark

BATCH = 2000
BLOCK_SIZE = 15  # buildings in a village block (a level-3 micro-grid)
VILLAGE_HOUSE = 1  # a village house holds one dwelling
LET_BUILDING = 0  # a building let room by room (出租屋) holds rooms, not dwellings


@dataclass
class Plot:
    """The community's places as they are laid out, written to the database once all are known."""

    site: Site
    box: Box
    cells: int  # level-2 grids, each a cell of the community's square
    rng: random.Random
    level1: Grid
    grids: list[Grid] = field(default_factory=list)
    micro_grids: list[Grid] = field(default_factory=list)
    estates: list[Estate] = field(default_factory=list)
    parks: list[IndustrialPark] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)
    dwellings: list[Dwelling] = field(default_factory=list)

    def grid_new(self, name: str, **fields) -> tuple[Grid, Box]:
        """The next level-2 grid, and the cell of the map it covers."""
        cell = self.box.cell(len(self.grids), self.cells)
        grid = Grid(community=self.site.community, parent=self.level1, level=Grid.Level.GRID, name=name,
                    code=f"{self.site.community.code}-{len(self.grids) + 1:02d}", boundary=cell.polygon(), **fields)
        self.grids.append(grid)
        return grid, cell

    def write(self) -> None:
        for model, rows in ((Grid, self.grids), (Grid, self.micro_grids), (Estate, self.estates),
                            (IndustrialPark, self.parks), (Building, self.buildings), (Dwelling, self.dwellings)):
            model.objects.bulk_create(rows, batch_size=BATCH)


def places_build(site: Site) -> int:
    """Create the community's places; return how many buildings were created."""
    plan, community = site.plan, site.community
    rng = site.rng("places")
    site.companies = property_companies_create(site)
    site.cooperatives = cooperatives_create(site)
    box = Box.around(plan.centre, float(plan.area_km2))
    level1 = Grid(community=community, level=Grid.Level.COMMUNITY, name=f"{community.name}社区",
                  code=community.code, boundary=box.polygon())
    Grid.objects.bulk_create([level1])
    layouts = [(section, layout_of(section, site.census.units[section.name], rng)) for section in plan.sections]
    cells = sum(len(layout) for _, layout in layouts) + len(plan.parks) + len(plan.offices)
    plot = Plot(site, box, cells, rng, level1)
    for section, layout in layouts:
        section_build(plot, section, layout)
    for park in plan.parks:
        park_build(plot, park)
    for office in plan.offices:
        office_build(plot, office)
    boundaries_draw(plot)
    plot.write()
    return len(plot.buildings)


def section_build(plot: Plot, section: EstatePlan | CooperativePlan, layout: list[list[list[int]]]) -> None:
    """An estate or a village: its level-2 grids, micro-grids (a building, a block), buildings and dwellings."""
    site, rng = plot.site, plot.rng
    estate = estate_create(site, section) if isinstance(section, EstatePlan) else None
    homes = site.homes[section.name] = []
    site.section_grids[section.name] = []
    number = blocks = 0  # buildings and village blocks of the section, numbered on
    for k, micro_layout in enumerate(layout, start=1):
        name = f"{section.name}网格" if len(layout) == 1 else f"{section.name}第{k}网格"
        grid, cell = plot.grid_new(name, cooperative=site.cooperatives.get(section.name))
        site.section_grids[section.name].append(grid)
        if estate and k == 1:
            estate.grid = grid  # an estate names one grid: its first
            plot.estates.append(estate)
        for j, specs in enumerate(micro_layout):
            micro_cell = cell.cell(j, len(micro_layout))
            blocks += 1
            micro = Grid(community=site.community, parent=grid, level=Grid.Level.MICRO,
                         name=f"{section.name}{number + 1}座" if estate else f"{section.name}第{blocks}片区",
                         code=f"{grid.code}-{j + 1:02d}", boundary=micro_cell.polygon())
            plot.micro_grids.append(micro)
            for i, spec in enumerate(specs):
                number += 1
                point = micro_cell.cell(i, len(specs)).point(rng)
                if estate:
                    building = estate_building(site, section, estate, micro, number, spec, point)
                else:
                    building = village_building(site, section, micro, number, spec, point, rng)
                plot.buildings.append(building)
                for dwelling in dwellings_of(building, spec, section, rng):
                    plot.dwellings.append(dwelling)
                    homes.append(Home(dwelling, building.address + (f"{dwelling.number}房" if estate else "")))
    rng.shuffle(homes)  # vacant dwellings anywhere in the section, not all in its last building
    if estate and section.rentals:
        # The let flats are put aside for the rentals stage: no household moves into them.
        site.rental_flats += homes[-section.rentals:]
        del homes[-section.rentals:]


def park_build(plot: Plot, plan: ParkPlan) -> None:
    """An industrial park, with a level-2 grid of its own (the grid its firms are in)."""
    community = plot.site.community
    grid, _ = plot.grid_new(f"{plan.name}网格")
    park = IndustrialPark(community=community, grid=grid, name=plan.name, area_mu=plan.area_mu,
                          description=f"{community.name}社区村级工业园，面积约{plan.area_mu}亩。")
    plot.parks.append(park)
    plot.site.parks[park.name] = park


def office_build(plot: Plot, plan: OfficePlan) -> None:
    """A business district: a level-2 grid, each office tower a micro-grid of it (its firms' grid)."""
    site = plot.site
    grid, cell = plot.grid_new(f"{plan.name}网格")
    towers = site.towers[plan.name] = []
    for j, (name, floors) in enumerate(plan.towers):
        micro_cell = cell.cell(j, len(plan.towers))
        micro = Grid(community=site.community, parent=grid, level=Grid.Level.MICRO, name=name,
                     code=f"{grid.code}-{j + 1:02d}", boundary=micro_cell.polygon())
        plot.micro_grids.append(micro)
        tower = Building(community=site.community, grid=micro, name=name,
                         address=f"{site.plan.town}{site.community.name}社区{name}", use="03", floors=floors,
                         **coordinates(micro_cell.point(plot.rng)))
        plot.buildings.append(tower)
        towers.append(tower)


def property_companies_create(site: Site) -> dict[str, PropertyCompany]:
    names = dict.fromkeys(estate.company for estate in site.plan.estates)
    rng = site.rng("companies")
    companies = []
    for name in names:
        company = PropertyCompany(community=site.community, name=name, contact_name=rng.choice("陈李黄梁何") + "经理")
        company.contact_phone = phone_number(rng)
        companies.append(company)
    PropertyCompany.objects.bulk_create(companies)
    return {company.name: company for company in companies}


def cooperatives_create(site: Site) -> dict[str, Cooperative]:
    cooperatives = [Cooperative(community=site.community, name=c.name) for c in site.plan.cooperatives]
    Cooperative.objects.bulk_create(cooperatives)
    return {cooperative.name: cooperative for cooperative in cooperatives}


def homes_needed(units: list[Unit]) -> int:
    return max(1, len(units) + math.ceil(len(units) * VACANCY))


def chunks(items: list, parts: int) -> list[list]:
    """`items` cut into `parts` runs of near-equal length, in order."""
    runs, start = [], 0
    for size in apportion(len(items), [1] * parts):
        runs.append(items[start:start + size])
        start += size
    return runs


def layout_of(section: EstatePlan | CooperativePlan, units: list[Unit], rng) -> list[list[list[int]]]:
    """A section as level-2 grids → micro-grids → buildings, each building given as its number of dwellings."""
    grids_wanted = max(1, round(len(units) / HOUSEHOLDS_PER_GRID))
    homes = homes_needed(units)
    if isinstance(section, EstatePlan):
        homes += section.rentals
        capacity = section.floors * section.per_floor
        sizes = apportion(homes, [1] * math.ceil(homes / capacity))
        return [[[size] for size in run] for run in chunks(sizes, min(grids_wanted, len(sizes)))]
    buildings = [VILLAGE_HOUSE] * homes + [LET_BUILDING] * section.rentals
    rng.shuffle(buildings)
    blocks = chunks(buildings, math.ceil(len(buildings) / BLOCK_SIZE))
    return chunks(blocks, min(grids_wanted, len(blocks)))


def coordinates(point: tuple[float, float]) -> dict:
    return {"latitude": Decimal(f"{point[0]:.6f}"), "longitude": Decimal(f"{point[1]:.6f}")}


def estate_create(site: Site, estate: EstatePlan) -> Estate:
    return Estate(community=site.community, name=estate.name,
                  address=f"{site.plan.town}{site.community.name}社区{estate.name}",
                  property_company=site.companies[estate.company])


def estate_building(site: Site, plan: EstatePlan, estate: Estate, micro: Grid, number: int, dwellings: int,
                    point) -> Building:
    return Building(community=site.community, grid=micro, estate=estate, name=f"{number}座",
                    address=f"{estate.address}{number}座", use="01",
                    floors=math.ceil(dwellings / plan.per_floor), **coordinates(point))


def village_building(site: Site, cooperative: CooperativePlan, micro: Grid, number: int, dwellings: int, point,
                     rng) -> Building:
    """A village house, or a building let room by room (remembered for the rentals stage)."""
    lane, door = divmod(number - 1, 10)
    name = f"{cooperative.name}{lane + 1}巷{door + 1}号"
    building = Building(community=site.community, grid=micro, cooperative=site.cooperatives[cooperative.name],
                        name=name, address=f"{site.plan.town}{site.community.name}社区{name}", use="01",
                        floors=rng.randint(2, 4) if dwellings else rng.randint(4, 7), **coordinates(point))
    if dwellings == LET_BUILDING:
        site.rental_homes.append(building)
    return building


def dwellings_of(building: Building, count: int, section, rng) -> list[Dwelling]:
    """An estate building's flats, numbered by floor (1502: floor 15, flat 2); a village house is one dwelling."""
    if isinstance(section, CooperativePlan):
        return [Dwelling(community=building.community, grid=building.grid, building=building, number="全栋",
                         area_m2=Decimal(rng.randrange(120, 320)))] if count else []
    per_floor = section.per_floor
    return [Dwelling(community=building.community, grid=building.grid, building=building,
                     number=f"{d // per_floor + 1}{d % per_floor + 1:02d}",
                     area_m2=Decimal(rng.randrange(60, 145))) for d in range(count)]
