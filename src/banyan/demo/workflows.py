"""The demo's residents in motion, written through the services so that their timelines and the secretaries'
to-do lists show real work: two people registered in 东联 by its secretary, one of whom then moved away and one
who died (so the seeds' counts of current residents stay as they are), and two transfer requests (迁入申请)
waiting for an answer, one in each direction, so that both `donglian` and `denghu` open Banyan to something to do.
"""

import datetime as dt

from banyan.accounts.models import User
from banyan.core.pii import pii_reveal
from banyan.core.services import record_save
from banyan.demo.figures import AS_OF
from banyan.demo.identities import IdNumbers
from banyan.people.models import Residency, Resident, ResidentStatus
from banyan.people.services import resident_move_out, resident_record_death, transfer_request
from banyan.places.models import Community, Grid


def _pick(community: Community, residency: str, taken: list, *, born_before: dt.date) -> Resident | None:
    """A current resident of the community not picked before, the same one on every load (the demo's rows are
    in a fixed order); None in a demo too small to have one."""
    rows = (Resident.objects.filter(community=community, residency=residency, birth_date__lt=born_before,
                                    status=ResidentStatus.CURRENT).exclude(id_number_enc="")
            .exclude(pk__in=[r.pk for r in taken]).order_by("pk")[:8])
    found = list(rows)
    if found:
        taken.append(found[-1])
    return found[-1] if found else None


def workflows_build(ids: IdNumbers) -> int:
    """The steps above through the services; the number of people they concern."""
    users = {u.username: u for u in User.objects.filter(username__in=("donglian", "luohu", "denghu"))}
    donglian = Community.objects.get(town__name="丹灶镇", name="东联")
    luohu = Community.objects.get(town__name="狮山镇", name="罗湖")
    denghu = Community.objects.get(town__name="桂城街道", name="灯湖")
    secretary = users["donglian"]
    moving = _register(ids, secretary, donglian, "梁志坚", dt.date(1991, 4, 17), male=True)
    resident_move_out(resident=moving, by=secretary, on=AS_OF - dt.timedelta(days=21), reason="工作调动",
                      destination="广州市天河区")
    elder = _register(ids, secretary, donglian, "陈五妹", dt.date(1931, 9, 2), male=False)
    resident_record_death(resident=elder, by=secretary, on=AS_OF - dt.timedelta(days=9), reason="病故")
    taken: list[Resident] = []
    if bride := _pick(donglian, Residency.REGISTERED, taken, born_before=dt.date(2000, 1, 1)):
        transfer_request(by=users["luohu"], id_number=pii_reveal(bride, "id_number"), to_community=luohu,
                         reason="婚嫁迁入罗湖，已在罗湖购房定居")
    if worker := _pick(denghu, Residency.PERMANENT, taken, born_before=dt.date(1998, 1, 1)):
        transfer_request(by=secretary, id_number=pii_reveal(worker, "id_number"), to_community=donglian,
                         reason="回东联照顾父母，随父母户籍")
    return 2 + len(taken)


def _register(ids: IdNumbers, by, community: Community, name: str, born: dt.date, *, male: bool) -> Resident:
    """A resident entered on the page by the community's secretary (its timeline starts with 新增)."""
    number, born = ids.issue(region="440605", born=born, male=male)
    grid = Grid.objects.filter(community=community, level=Grid.Level.MICRO).order_by("pk").first()
    resident = Resident(community=community, grid=grid, name=name, sex="1" if male else "2", birth_date=born,
                        residency=Residency.REGISTERED, registered_address="广东省佛山市南海区丹灶镇东联社区")
    return record_save(instance=resident, by=by, values={"id_number": number})
