"""Similar-case lookup: what staff are offered when a concern is entered, and that the index stays true to the
cases through intake, text changes, state changes and bulk rebuilds."""

import time
from collections import Counter

import pytest

from banyan.cases.models import Case, CaseState, CaseTerm, TermCount
from banyan.cases.similar import (
    DOCS,
    similar_cases,
    similar_index_add,
    similar_index_rebuild,
    similar_index_remove,
    terms,
)
from banyan.core.testing import community

pytestmark = pytest.mark.django_db

STREETLIGHT = "村前路一直没有路灯，晚上很黑，有没有办法解决？"
OTHERS = [
    "村前路菜市场门口的垃圾堆了好几天没人清运，臭味很大，希望尽快处理。",
    "东华花园3栋楼顶有人违章搭建铁皮房，占用消防通道，存在安全隐患。",
    "兴业路12号烧烤店每天晚上十点以后还很吵，严重影响居民休息。",
    "南村二经济社祠堂旁边的下水道堵塞，污水外溢，流到路面上了。",
    "岗头路公交站没有雨棚，下雨天等车的老人很不方便，希望加建。",
    "康宁新村出租屋楼道堆放杂物，电动车在楼道充电，存在消防隐患。",
    "和平街路灯坏了两盏，晚上走路看不清，请有关部门派人维修。",
]


def case(text: str, where: str = "东联", **fields) -> Case:
    made = Case.objects.create(community=community(where), channel="walk_in", description=text, **fields)
    similar_index_add(made)
    return made


def ids(found) -> list[int]:
    return [s.case_id for s in found]


def index_state() -> tuple[set, dict]:
    return (set(CaseTerm.objects.values_list("term", "is_open", "case_id")),
            {t: n for t, n in TermCount.objects.values_list("term", "n") if n})


def assert_counts_match_postings() -> None:
    """The document frequencies are those of the postings, and term 0 counts the indexed cases."""
    postings = list(CaseTerm.objects.values_list("term", "case_id"))
    expected = Counter(term for term, _ in postings)
    expected[DOCS] = len({case_id for _, case_id in postings})
    assert index_state()[1] == {t: n for t, n in expected.items() if n}


def test_a_reworded_duplicate_is_found_first():
    for text in OTHERS:
        case(text)
    original = case(STREETLIGHT)
    found = similar_cases("您好，村前路的路灯一直没有，夜里黑乎乎的，能不能想办法解决一下？谢谢")
    assert ids(found)[0] == original.pk
    assert 0.3 < found[0].score <= 1
    assert all(0 <= s.score <= found[0].score for s in found)


def test_a_typo_and_full_width_characters_still_match():
    for text in OTHERS:
        case(text)
    original = case("ＡＢＣ花园３栋电梯经常故障，这个月已经坏了５次，老人上下楼很困难。")
    found = similar_cases("abc花园3栋的电题又坏了，这个月都第5次了，老年人上下楼很困难")
    assert ids(found)[0] == original.pk


def test_the_same_community_comes_first_among_equals():
    here, there = case(STREETLIGHT, "东联"), case(STREETLIGHT, "罗湖")
    assert ids(similar_cases(STREETLIGHT, community_id=there.community_id))[:2] == [there.pk, here.pk]
    assert ids(similar_cases(STREETLIGHT, community_id=here.community_id))[:2] == [here.pk, there.pk]
    found = similar_cases(STREETLIGHT, community_id=here.community_id)
    assert found[0].same_community and not found[1].same_community


def test_a_much_closer_case_of_another_community_still_comes_first():
    near = case(STREETLIGHT, "罗湖")
    case("和平街路灯坏了两盏，晚上走路看不清。", "东联")
    assert ids(similar_cases(STREETLIGHT, community_id=community("东联").pk))[0] == near.pk


def test_closed_and_merged_cases_are_not_offered_among_open_ones():
    closed, merged, open_ = case(STREETLIGHT), case(STREETLIGHT + "谢谢。"), case(OTHERS[-1])
    Case.objects.filter(pk=closed.pk).update(state=CaseState.CLOSED)
    Case.objects.filter(pk=merged.pk).update(state=CaseState.MERGED, merged_into=open_)
    for made in (closed, merged):
        made.refresh_from_db()
        similar_index_add(made)
    assert CaseTerm.objects.filter(case_id=closed.pk, is_open=True).count() == 0
    assert ids(similar_cases(STREETLIGHT)) == [open_.pk]
    assert set(ids(similar_cases(STREETLIGHT, open_only=False))) == {closed.pk, merged.pk, open_.pk}


def test_a_case_closed_without_reindexing_is_still_not_offered():
    # The postings' open flag is a pre-filter; the case's own state decides.
    closed = case(STREETLIGHT)
    Case.objects.filter(pk=closed.pk).update(state=CaseState.CLOSED)
    assert similar_cases(STREETLIGHT) == []


def test_a_reopened_case_is_offered_again():
    reopened = case(STREETLIGHT)
    reopened.state = CaseState.CLOSED
    reopened.save()
    similar_index_add(reopened)
    assert similar_cases(STREETLIGHT) == []
    reopened.state = CaseState.REOPENED
    reopened.save()
    similar_index_add(reopened)
    assert ids(similar_cases(STREETLIGHT)) == [reopened.pk]


def test_the_case_itself_is_excluded():
    itself, other = case(STREETLIGHT), case("村前路的路灯坏了，晚上很黑。")
    assert ids(similar_cases(STREETLIGHT, exclude_id=itself.pk)) == [other.pk]
    assert ids(similar_cases(STREETLIGHT))[0] == itself.pk


@pytest.mark.parametrize("text", ["", "   ", "。，！？……——", "灯", "!!!@@@###", None])
def test_texts_without_two_adjacent_letters_find_nothing(text):
    case(STREETLIGHT)
    assert similar_cases(text) == []


def test_a_huge_text_finds_nothing_like_it_quickly():
    case(STREETLIGHT)
    started = time.perf_counter()
    assert similar_cases("啊" * 200_000) == []
    assert similar_cases("".join(chr(0x4E00 + i % 5000) for i in range(200_000))) == []
    assert time.perf_counter() - started < 5


def test_a_huge_text_is_read_up_to_the_longest_case():
    original = case(STREETLIGHT)
    assert ids(similar_cases(STREETLIGHT * 2000)) == [original.pk]


def test_a_limit_and_nothing_indexed():
    assert similar_cases(STREETLIGHT) == []
    for text in OTHERS:
        case(text)
    assert len(similar_cases("路灯晚上很黑，路面有垃圾，希望尽快处理", limit=2)) == 2
    assert similar_cases(STREETLIGHT, limit=0) == []


def test_a_changed_text_is_found_by_its_new_words_only():
    changed = case(STREETLIGHT)
    changed.description = "康宁新村楼道电动车充电，存在消防隐患。"
    changed.save()
    similar_index_add(changed)
    assert similar_cases(STREETLIGHT) == []
    assert ids(similar_cases("康宁新村电动车在楼道充电")) == [changed.pk]
    assert_counts_match_postings()


def test_the_title_counts_too():
    titled = case("晚上很黑，有没有办法解决？", title="村前路路灯")
    assert ids(similar_cases("村前路路灯不亮"))[0] == titled.pk


def test_adding_twice_changes_nothing_and_removing_undoes_adding():
    made = case(STREETLIGHT)
    case(OTHERS[0])
    before = index_state()
    similar_index_add(made)
    assert index_state() == before
    similar_index_remove(made)
    assert not CaseTerm.objects.filter(case_id=made.pk).exists()
    assert_counts_match_postings()
    assert made.pk not in ids(similar_cases(STREETLIGHT))


def test_a_rebuild_makes_the_index_that_adding_one_by_one_made():
    made = [case(text, "罗湖" if i % 2 else "东联") for i, text in enumerate([STREETLIGHT, *OTHERS])]
    Case.objects.filter(pk=made[1].pk).update(state=CaseState.CLOSED)
    similar_index_add(Case.objects.get(pk=made[1].pk))
    by_one = index_state()
    assert_counts_match_postings()
    seen = []
    assert similar_index_rebuild(chunk=3, progress=seen.append) == len(made)
    assert seen == [3, 6, 8]
    assert index_state() == by_one
    CaseTerm.objects.all().delete()
    TermCount.objects.all().delete()
    assert similar_index_rebuild(Case.objects.filter(pk__in=[m.pk for m in made])) == len(made)
    assert index_state() == by_one
    assert ids(similar_cases(STREETLIGHT))[0] == made[0].pk


def test_terms_are_normalised_bigrams_within_runs():
    assert len(terms("路灯")) == 1
    assert terms("路 灯") == terms("路，灯") == set()
    assert terms("ＡＢ") == terms("ab") == terms("AB")
    assert len(terms("村前路村前路")) == 3  # 村前 前路 路村
    assert 0 not in terms("".join(chr(c) for c in range(0x7FF0, 0x8010)) + "𠀀𠀁𠀂")
    assert all(-2**31 <= t < 2**31 for t in terms("𠀀𠀁路灯😀😁"))
