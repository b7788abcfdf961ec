"""The import's column rules must agree with the registry's validators on every input."""

import polars as pl
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from banyan.core.validators import id_check_digit, validate_id_number, validate_mobile
from banyan.ledgers.columns import id_number, mobile


def _verdicts(parser, values: list[str]) -> list[bool]:
    _value, error = parser(pl.col("c"))
    return pl.DataFrame({"c": values}).select(error.is_null().alias("ok"))["ok"].to_list()


def _accepts(validator, value: str) -> bool:
    try:
        validator(value)
        return True
    except ValidationError:
        return False


def _near_id(region: str, date: str, seq: int, fix: bool) -> str:
    """An ID-shaped string: valid when `fix` and every part is valid, else wrong in one place."""
    first17 = f"{region}{date}{seq:03d}"
    return first17 + (id_check_digit(first17) if fix and first17.isdigit() else "7")


near_ids = st.builds(
    _near_id,
    st.sampled_from(["440605", "110101", "990101", "000000", "820000"]),
    st.sampled_from(["19850312", "20000229", "19990229", "20991231", "18991231", "19851301", "2026O101"]),
    st.integers(0, 999), st.booleans())
anything = st.text(alphabet="0123456789X x-", min_size=0, max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(near_ids, anything), min_size=1, max_size=30))
def test_id_rules_agree_with_validate_id_number(values):
    values = [v for v in values if v.strip()]  # an empty cell is "missing", judged before any rule
    if values:
        assert _verdicts(id_number, values) == [_accepts(validate_id_number, v) for v in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.from_regex(r"1[0-9]{10}", fullmatch=True), st.text("0123456789+- ", max_size=15)),
                min_size=1, max_size=30))
def test_mobile_rules_agree_with_validate_mobile(values):
    values = [v for v in values if v.strip()]
    if values:
        assert _verdicts(mobile, values) == [_accepts(validate_mobile, v) for v in values]
