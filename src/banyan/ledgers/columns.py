"""Ledger columns as polars expressions: each parser turns a column of text cells into (value, error), where
error is a Chinese message for the cells it refuses and null elsewhere. Whole columns at once, so a million
rows validate in about a second.

Cells come as people type them into Excel: full-width digits from a Chinese input method, IDs behind a `'` or
in `="…"` to keep them text, dates as Excel serial numbers, "无" or "/" for nothing. The parsers take the
everyday forms and store one canonical value; what cannot be read is refused with the reason, never guessed."""

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
from django.utils.translation import gettext as _

from banyan.core.validators import CONTACT_PHONE_PATTERN, PROVINCE_CODES, today

Parser = Callable[[pl.Expr], tuple[pl.Expr, pl.Expr]]


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the template's header
    aliases: tuple[str, ...] = ()
    required: bool = False
    parse: Parser | None = None  # None: text as is
    example: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


# Headers of a mobile-number column: when a file has one of these and a landline-style "联系电话" for the same
# field, the mobile column is the one taken (importing._map_header).
MOBILE_HEADERS = frozenset({"手机号", "手机号码", "手机", "联系手机", "移动电话"})


def normalize_header(text: str) -> str:
    """"身份证号（必填）" / " *姓名 " / "人口\\n类别" / "姓　名" → "身份证号" / "姓名" / "人口类别" / "姓名"."""
    text = re.sub(r"[（(].*?[)）]", "", text or "")
    return re.sub(r"\s+", "", text.replace("*", ""))


def _fail(condition: pl.Expr, message: str | pl.Expr) -> pl.Expr:
    return pl.when(condition).then(message if isinstance(message, pl.Expr) else pl.lit(message))


def first_error(*errors: pl.Expr) -> pl.Expr:
    return pl.coalesce(*errors) if len(errors) > 1 else errors[0]


Steps = list[tuple[str, pl.Expr]]


def in_steps(cell: pl.Expr, dtype, steps: Steps) -> tuple[pl.Expr, pl.Expr]:
    """(value, error) of `cell` worked out in named steps, each seeing the earlier ones as columns ("cell" is
    the cell; the steps must name a "value" and an "error"). Within one select polars does not share a
    sub-expression: a check digit that reads a cleaned cell seventeen times cleans it seventeen times (25 s a
    million rows instead of 1). The steps run on whole columns (map_batches); the error's run takes up the
    columns the value's run left, so each step runs once. Messages and today's date are put into the
    expressions here, in the importing thread, whose language and time zone are the user's."""
    lock = threading.Lock()
    done: list = [None, None]  # the cells last worked on, and the frame of their steps so far

    def run(cells: pl.Series, until: str) -> pl.Series:
        with lock:
            frame = done[1] if done[0] is not None and done[0].equals(cells) else cells.cast(pl.Utf8).to_frame("cell")
            for name, expr in steps:
                if name not in frame.columns:
                    frame = frame.with_columns(expr.alias(name))
                if name == until:
                    break
            done[:] = [cells, frame]
            return frame[until]

    return (cell.map_batches(lambda cells: run(cells, "value"), return_dtype=dtype),
            cell.map_batches(lambda cells: run(cells, "error"), return_dtype=pl.Utf8))


# Full-width ASCII (U+FF01-FF5E) as a Chinese input method types it, and the ideographic space.
_FULL = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
_HALF = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)] + [" "]


def halfwidth(cell: pl.Expr) -> pl.Expr:
    """"１３８" → "138", "ＡＢ　１" → "AB 1"."""
    return cell.str.replace_many(_FULL, _HALF)


# What people write in a cell to say "none": a phone or a credit code given so is blank, not refused.
NOTHING = ["无", "/", "-", "—", "--", "——", "暂无", "没有", "无号码"]


def _nothing(value: pl.Expr) -> pl.Expr:
    return value.is_in(NOTHING)


def _formula(cell: pl.Expr) -> pl.Expr:
    """Text starting = + @ (or - and more) is a formula to Excel: a file carrying it hurts whoever opens the
    export (CSV injection), and it is never a name or an address."""
    return cell.str.contains(r"^[=+@]|^-\S")


def _no_formula(cell: pl.Expr) -> pl.Expr:
    return _fail(_formula(cell), pl.format(_("“{}”以 = + - @ 开头，像是公式，请填写实际内容"), cell))


def text(max_length: int) -> Parser:
    def parse(cell: pl.Expr):
        return cell, first_error(
            _no_formula(cell),
            _fail(cell.str.len_chars() > max_length, _("内容过长（最多%(n)d个字）") % {"n": max_length}))

    return parse


def _too_long(value: pl.Expr, max_length: int) -> pl.Expr:
    return _fail(value.str.len_chars() > max_length, _("内容过长（最多%(n)d个字）") % {"n": max_length})


# What a clerk writes where a name is not known yet: never a person's name.
PLACEHOLDER_NAMES = ["待核实", "待查", "待定", "待补", "不详", "未知", "无名", "无名氏", "某某", "姓名"]


def person_name(max_length: int) -> Parser:
    """A person's name alone: notes written into it ("李四（已迁出）", "王五(死亡)", "张三 备注", "张三2") are
    refused, since they would be stored as the name. Two or three characters spaced out to line names up in a
    printed list ("张　三") are closed up."""

    def parse(cell: pl.Expr):
        value, cell_ = pl.col("value"), pl.col("cell")
        noted = value.str.contains(r"[()\[\]【】<>《》{}\d]|\p{Han}\s+\p{Han}")
        return in_steps(cell, pl.Utf8, [
            ("value", halfwidth(cell_).str.replace(r"^(\p{Han})\s+(\p{Han})$", "${1}${2}")
             .str.replace(r"^(\p{Han})\s+(\p{Han})\s+(\p{Han})$", "${1}${2}${3}")),
            ("error", first_error(
                _no_formula(value),
                _fail(value.is_in(PLACEHOLDER_NAMES), pl.format(_("“{}”不是姓名：请填写实际姓名，或删除该行"), cell_)),
                _fail(noted, pl.format(_("姓名“{}”中有括号、数字或空格隔开的备注，请只填写姓名，备注写在其他列"),
                                       cell_)),
                _too_long(value, max_length))),
        ])

    return parse


def firm_name(max_length: int) -> Parser:
    """An enterprise's name, brackets as the registration writes them (full-width), spaces dropped: 东联五金厂
    (普通合伙) and 东联五金厂（普通合伙） are one firm."""
    plain = text(max_length)

    def parse(cell: pl.Expr):
        value = cell.str.replace_all(r"\s+", "").str.replace_all(r"\(", "（").str.replace_all(r"\)", "）")
        return plain(value)

    return parse


def normalize_address(cell: pl.Expr) -> pl.Expr:
    """"村前路 ８号" / "村前路8号 " → "村前路8号": full-width letters and digits made half-width, spaces next to
    Chinese characters dropped and other runs of spaces made one, so one place is one address (rental properties
    are found by their address)."""
    value = halfwidth(cell).str.replace_all(r"\s+", " ").str.strip_chars()
    return value.str.replace_all(r"([^\x00-\x7F]) ", "${1}").str.replace_all(r" ([^\x00-\x7F])", "${1}")


def address(max_length: int) -> Parser:
    def parse(cell: pl.Expr):
        value = pl.col("value")
        return in_steps(cell, pl.Utf8, [
            ("value", normalize_address(pl.col("cell"))),
            ("error", first_error(_no_formula(value), _too_long(value, max_length))),
        ])

    return parse


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_check(number: pl.Expr) -> pl.Expr:
    """GB 11643 check character of the first 17 digits as an integer (null stays null). The digits are taken
    by arithmetic, many times quicker on a million rows than seventeen slices of text."""
    weighted = pl.sum_horizontal([number // 10 ** (16 - i) % 10 * w for i, w in enumerate(_WEIGHTS)])
    return pl.when(number.is_not_null()).then(
        (weighted % 11).replace_strict(list(range(11)), list("10X98765432"), default=None, return_dtype=pl.Utf8))


# Full-width digits and X, and a lower-case x, in one pass; then what people put around or inside a number to
# keep Excel from changing it ("'440605…", "=\"440605…\"") or to read it (spaces, hyphens) is dropped.
_ID_FROM, _ID_TO = [*_FULL, "x"], [*("X" if h == "x" else h for h in _HALF), "X"]


def id_number(cell: pl.Expr):
    """GB 11643-1999: 17 digits and a check character, a province prefix, a real birth date not in the future.

    Taken as typed to keep Excel from changing it ("'440605…", "=\"440605…\""), in full-width digits, with
    spaces or hyphens between its parts; a 15-digit number of before 1999 is stored in its 18-digit form (the
    century 19 inserted before the two-digit year of birth, the check character computed)."""
    cleaned, value, first17, born = pl.col("cleaned"), pl.col("value"), pl.col("first17"), pl.col("born")
    old = cleaned.str.contains(r"^\d{15}$")
    return in_steps(cell, pl.Utf8, [
        ("cleaned", pl.col("cell").str.replace_many(_ID_FROM, _ID_TO).str.replace_all(r"[\s\-'\"=]", "")),
        ("first17", pl.when(old).then(pl.concat_str([cleaned.str.slice(0, 6), pl.lit("19"), cleaned.str.slice(6, 9)]))
         .otherwise(cleaned.str.slice(0, 17))),
        ("number", pl.when(first17.str.contains(r"^\d{17}$")).then(first17.cast(pl.Int64, strict=False))),
        ("check", _id_check(pl.col("number"))),
        ("value", pl.when(old).then(first17 + pl.col("check")).otherwise(cleaned)),
        ("born", value.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)),
        ("error", first_error(
            # Excel kept only 15 significant digits of a number typed into a General cell: the rest is gone.
            _fail(cleaned.str.contains(r"(?i)^\d+(\.\d+)?E\+?\d+$"),
                  _("Excel 把身份证号存成了数字，末几位已丢失：请把该列设为文本后重新填写")),
            _fail(~value.str.contains(r"^\d{17}[\dX]$"), _("身份证号应为18位：前17位为数字，最后一位为数字或X")),
            _fail(~value.str.slice(0, 2).is_in(sorted(PROVINCE_CODES)),
                  pl.format(_("身份证号前两位“{}”不是有效的省级行政区划代码"), value.str.slice(0, 2))),
            _fail(born.is_null(), pl.format(_("身份证号中的出生日期“{}”不是有效日期"), value.str.slice(6, 8))),
            _fail((born > today()) | (born.dt.year() < 1900),
                  pl.format(_("身份证号中的出生日期“{}”不合理（晚于今天或早于1900年）"), value.str.slice(6, 8))),
            _fail(pl.col("check") != value.str.slice(17, 1), _("身份证号校验位错误，请核对")))),
    ])


def _phone_digits(cell: pl.Expr) -> pl.Expr:
    """"１３８ 0000-1111", "+86 138…", "(0757)8665-1234" → digits only; null for "无", "/", "暂无"…"""
    value = halfwidth(cell).str.strip_chars()
    digits = value.str.replace_all(r"[\s\-—()]", "").str.replace(r"^(\+86|0086)", "")
    return pl.when(_nothing(value)).then(pl.lit(None, dtype=pl.Utf8)).otherwise(digits)


def _phone(cell: pl.Expr, pattern: str, message: str) -> tuple[pl.Expr, pl.Expr]:
    value = pl.col("value")
    return in_steps(cell, pl.Utf8, [
        ("value", _phone_digits(pl.col("cell"))),
        ("error", _fail(value.is_not_null() & ~value.str.contains(pattern), pl.format(message, pl.col("cell")))),
    ])


def mobile(cell: pl.Expr):
    """A personal mobile number (residents, party members): 11 digits from 1."""
    return _phone(cell, r"^1[3-9]\d{9}$", _("手机号码“{}”应为11位、以1开头的中国大陆手机号"))


def contact_phone(cell: pl.Expr):
    """A contact number (an enterprise's, a landlord's): a mobile, or a landline with its area code
    ("0757-86651234", "(0757)86651234", "075786651234") or without it ("86651234"). The same rule as
    core.validators.validate_contact_phone."""
    return _phone(cell, CONTACT_PHONE_PATTERN, _("联系电话“{}”应为手机号或固定电话（如 13812345678、0757-86651234）"))


_YMD = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$"
_YM = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$"
_EXCEL_EPOCH = (1899, 12, 30)  # serial 1 is 1900-01-01 past Excel's phantom 1900-02-29


def _date_steps(*, month: bool) -> Steps:
    """"text": half-width, trimmed, without a time of day ("1957/12/08 0:00:00" → "1957/12/08").
    "day": a full date: Y-M-D with - / . or 年月日 and one- or two-digit month and day, YYYYMMDD, or an Excel
    serial number (what a date cell set to General shows); a bare number that looks like a year is not a serial.
    "month" (with `month`): "2001.07", "2001-07", "2001/7", "2001年7月", "200107" → the month's first day."""
    text_, serial = pl.col("text"), pl.col("serial")
    ymd = text_.str.replace(_YMD, "${1}-${2}-${3}").str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    compact = pl.when(text_.str.contains(r"^\d{8}$")).then(text_.str.strptime(pl.Date, "%Y%m%d", strict=False))
    is_serial = text_.str.contains(r"^\d{1,5}$") & serial.is_between(1, 80000) & ~serial.is_between(1900, 2100)
    excel = pl.when(is_serial).then(pl.date(*_EXCEL_EPOCH) + pl.duration(days=serial))
    steps = [("text", halfwidth(pl.col("cell")).str.strip_chars()
              .str.replace(r"^(\S+)[T ]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "${1}")),
             ("serial", text_.cast(pl.Int64, strict=False)),
             ("day", pl.coalesce(ymd, compact, excel))]
    if month:
        ym = text_.str.replace(_YM, "${1}-${2}-1").str.replace(r"^(\d{4})(\d{2})$", "${1}-${2}-1")
        steps.append(("month", pl.when(ym.str.contains(r"^\d{4}-\d{1,2}-1$"))
                      .then(ym.str.strptime(pl.Date, "%Y-%m-%d", strict=False))))
    return steps


def _date_errors(unreadable: str) -> pl.Expr:
    value, cell = pl.col("value"), pl.col("cell")
    return first_error(
        _fail(value.is_null(), pl.format(unreadable, cell)),
        _fail(value > today(), pl.format(_("日期“{}”晚于今天"), cell)),
        _fail(value.dt.year() < 1900, pl.format(_("日期“{}”早于1900年"), cell)),
    )


def date(cell: pl.Expr):
    return in_steps(cell, pl.Date, [*_date_steps(month=False), ("value", pl.col("day")),
                                    ("error", _date_errors(_("日期“{}”无法识别，请写成 2026-01-31 的格式")))])


def date_or_month(cell: pl.Expr):
    """A date where a month is precise enough (入党日期): a month alone stands for its first day. "2001.1" is
    refused: it is what Excel shows of the number 2001.10, so it may be October as well as January."""
    return in_steps(cell, pl.Date, [
        *_date_steps(month=True), ("value", pl.coalesce("day", "month")),
        ("error", first_error(
            _fail(pl.col("text").str.contains(r"^\d{4}\.1$"),
                  pl.format(_("“{}”可能是1月，也可能是被 Excel 存成数字的10月：请写成 2001-01 或 2001-10"),
                            pl.col("cell"))),
            _date_errors(_("日期“{}”无法识别，请写成 2026-01-31 或 2026-01 的格式"))))])


def birth_date(cell: pl.Expr):
    """A birth date, checked against the ID number. A column 出生年月 often gives only the month ("1985.03"):
    that is taken as not given (the ID number has the day) rather than refused or stored as the 1st."""
    month_only = pl.col("day").is_null() & pl.col("month").is_not_null()
    return in_steps(cell, pl.Date, [
        *_date_steps(month=True), ("value", pl.col("day")),
        ("error", pl.when(~month_only).then(_date_errors(_("日期“{}”无法识别，请写成 2026-01-31 的格式"))))])


def count(cell: pl.Expr):
    """A whole number; a unit after it ("2人", "15间") is read past."""
    number = cell.str.replace(r"\s*(人|个|名|间|套|户|家)$", "").cast(pl.Float64, strict=False)
    error = first_error(_fail(number.is_null() | (number != number.floor()), pl.format(_("“{}”不是整数"), cell)),
                        _fail(number < 0, pl.format(_("“{}”不能为负数"), cell)))
    return number.cast(pl.Int64, strict=False), error


def decimal(cell: pl.Expr):
    """A number; a unit after it ("15.5平方米", "15㎡") is read past."""
    number = cell.str.replace(r"\s*(平方米|平米|㎡|m²|m2|米|元|万元)$", "").cast(pl.Float64, strict=False)
    error = first_error(_fail(number.is_null(), pl.format(_("“{}”不是数字"), cell)),
                        _fail(number < 0, pl.format(_("“{}”不能为负数"), cell)))
    return number, error


# GB 32100-2015: 18 characters of 0-9 and capitals without I O S V Z, the last a check character.
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(cell: pl.Expr):
    """统一社会信用代码: 18 characters with a verified check character; "无" or "/" is blank."""
    value = pl.col("value")
    codes = dict(zip(_CREDIT_CHARS, range(31), strict=True))
    weighted = pl.sum_horizontal([value.str.slice(i, 1).replace_strict(codes, default=None, return_dtype=pl.Int32)
                                  * w for i, w in enumerate(_CREDIT_WEIGHTS)])
    check = ((31 - weighted % 31) % 31).replace_strict(list(range(31)), list(_CREDIT_CHARS), default=None,
                                                       return_dtype=pl.Utf8)
    well_formed = value.str.contains(rf"^[{_CREDIT_CHARS}]{{18}}$")
    return in_steps(cell, pl.Utf8, [
        ("typed", halfwidth(pl.col("cell")).str.replace_all(r"[\s\-]", "").str.to_uppercase()),
        ("value", pl.when(_nothing(pl.col("typed")) | (pl.col("typed") == "")).then(pl.lit(None, dtype=pl.Utf8))
         .otherwise(pl.col("typed"))),
        ("error", first_error(
            _fail(value.is_not_null() & ~well_formed,
                  pl.format(_("统一社会信用代码“{}”应为18位数字或大写字母（不含I、O、S、V、Z）"), pl.col("cell"))),
            _fail(value.is_not_null() & (check != value.str.slice(17, 1)),
                  pl.format(_("统一社会信用代码“{}”校验位错误，请核对"), pl.col("cell"))))),
    ])


_WIDTH = str.maketrans(dict(zip(_FULL, _HALF, strict=True)))
_SAYS_NOTHING = "\x00"  # a choice alias whose word says nothing about the field: blank, not refused


def choice(choices, *, aliases: dict[str, str | None] | None = None) -> Parser:
    """Accept the code or the name of a code-list entry (and common aliases); store the code. An alias to None
    is a word that belongs in such a column but not to this list (a blank, not a refusal)."""
    lookup = {str(code): str(code) for code, _name in choices}
    lookup |= {str(name): str(code) for code, name in choices}
    lookup |= {word: _SAYS_NOTHING if code is None else code for word, code in (aliases or {}).items()}
    # Keys as cells are read: "常住人口（非户籍）" → "常住人口(非户籍)", "汉 族" → "汉族".
    lookup = {re.sub(r"\s", "", key.translate(_WIDTH)): code for key, code in lookup.items()}
    names = "、".join(str(name) for _code, name in choices[:8])

    def parse(cell: pl.Expr):
        value = halfwidth(cell).str.replace_all(r"\s", "").replace_strict(lookup, default=None,
                                                                            return_dtype=pl.Utf8)
        error = _fail(value.is_null(), pl.format(_("“{}”不在可选值中（{}…）"), cell, pl.lit(names)))
        return pl.when(value != _SAYS_NOTHING).then(value), error

    return parse
