"""The import's column rules must agree with the registry's validators on every input: whatever a form takes,
the import takes as the same value, and whatever the import stores, a form would take."""

import polars as pl
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from banyan.core.validators import id_check_digit, validate_contact_phone, validate_id_number, validate_mobile
from banyan.ledgers.columns import NOTHING, contact_phone, id_number, mobile


def _parsed(parser, values: list[str]) -> list[tuple[str | None, bool]]:
    """(stored value, accepted) of each cell."""
    value, error = parser(pl.col("c"))
    frame = pl.DataFrame({"c": values}).select(value.alias("v"), error.is_null().alias("ok"))
    return list(zip(frame["v"].to_list(), frame["ok"].to_list(), strict=True))


def _validated(validator, value: str) -> str | None:
    try:
        return validator(value)
    except ValidationError:
        return None


def _agree(parser, validator, values: list[str]) -> None:
    values = [v for v in values if v.strip()]  # an empty cell is "missing", judged before any rule
    for raw, (stored, ok) in zip(values, _parsed(parser, values), strict=True):
        by_form = _validated(validator, raw)
        if by_form is not None:  # what a form takes, the import takes as the same value
            assert (ok, stored) == (True, by_form), raw
        if ok and stored is None:  # taken as blank: only a word for "none"
            assert raw.strip() in NOTHING, raw
        elif ok:  # what the import stores, a form would take as it is
            assert _validated(validator, stored) == stored, raw


def _near_id(region: str, date: str, seq: int, fix: bool) -> str:
    """An ID-shaped string: valid when `fix` and every part is valid, else wrong in one place."""
    first17 = f"{region}{date}{seq:03d}"
    return first17 + (id_check_digit(first17) if fix and first17.isdigit() else "7")


near_ids = st.builds(
    _near_id,
    st.sampled_from(["440605", "110101", "990101", "000000", "820000"]),
    st.sampled_from(["19850312", "20000229", "19990229", "20991231", "18991231", "19851301", "2026O101"]),
    st.integers(0, 999), st.booleans())
old_ids = st.builds(lambda region, date, seq: f"{region}{date}{seq:03d}",  # 15 digits, of before 1999
                    st.sampled_from(["440605", "990101"]), st.sampled_from(["850312", "000229", "990229", "851301"]),
                    st.integers(0, 999))
anything = st.text(alphabet="0123456789X x-'=\"", min_size=0, max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(near_ids, old_ids, anything), min_size=1, max_size=30))
def test_id_rules_agree_with_validate_id_number(values):
    _agree(id_number, validate_id_number, values)


phones = st.one_of(st.from_regex(r"1[0-9]{10}", fullmatch=True), st.text("0123456789+- ", max_size=15),
                   st.from_regex(r"0[0-9]{2,3}-?[0-9]{7,8}", fullmatch=True), st.sampled_from(NOTHING))


@settings(max_examples=200, deadline=None)
@given(st.lists(phones, min_size=1, max_size=30))
def test_mobile_rules_agree_with_validate_mobile(values):
    _agree(mobile, validate_mobile, values)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(phones, st.from_regex(r"\(0[0-9]{2,3}\)[0-9]{7,8}", fullmatch=True)), min_size=1,
                max_size=30))
def test_contact_phone_rules_agree_with_validate_contact_phone(values):
    _agree(contact_phone, validate_contact_phone, values)
