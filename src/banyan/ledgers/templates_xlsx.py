"""The downloadable template of each kind: its columns (required ones marked) and nothing else on the data sheet,
and a sheet that explains each column, its allowed values and an example.

The example stays on the 填写说明 sheet: a sample row on the data sheet (张三) was imported as a real person
whenever a clerk forgot to delete it."""

from banyan.core.exporting import xlsx_file
from banyan.ledgers.kinds import ROW_KEY_HEADER, Kind


def template_xlsx(kind: Kind) -> bytes:
    """The blank template: the header alone (required columns marked, as on an export shaped as the template),
    and the 填写说明 sheet."""
    path = xlsx_file([c.header for c in kind.columns], [], str(kind.title),
                     required=[c.required for c in kind.columns], notes=template_notes(kind))
    try:
        return path.read_bytes()
    finally:
        path.unlink()


def template_notes(kind: Kind, *, rows: bool = False) -> list[list[str]]:
    """The 填写说明 sheet: each column, whether required, its other names, what it takes, and an example; `rows`:
    for a template filled with exported records (系统编号 and the masked numbers explained)."""
    out = [["列名", "必填", "也可写作", "说明", "示例"]]
    if rows:
        out.append([ROW_KEY_HEADER, "", "", "系统中该记录的编号，用于导入时对应已有记录：请勿修改；新增的行留空", ""])
    for column in kind.columns:
        out.append([column.header, "是" if column.required else "", "、".join(column.aliases), _note(column),
                    column.example])
    out.append([])
    out.append([f"“{kind.title}”表只有表头：从第2行起每行填写一条记录。示例只在本表“示例”列中，不会被导入。"])
    out.append(["身份证号、手机号请设为文本格式，以免 Excel 改成科学计数法。"])
    if rows:
        out.append(["导出的身份证号、手机号已按规定遮挡（含*号）。"])
    return out


def _note(column) -> str:
    notes = {"id_number": "18位公民身份号码，校验位与出生日期会被核对", "phone": "11位中国大陆手机号",
             "community": "社区简称或全称；导入时选择了社区可不填", "grid": "网格名称或编号",
             "residency": "户籍人口、常住人口或流动人口"}
    if column.field in notes:
        return notes[column.field]
    if column.parse and getattr(column.parse, "__name__", "") == "date":
        return "日期，如 2026-01-31"
    return ""
