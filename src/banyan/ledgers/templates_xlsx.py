"""The downloadable template of each kind: its columns (required ones marked), an example row, and a sheet that
explains each column and its allowed values."""

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from banyan.ledgers.kinds import Kind

REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")


def template_xlsx(kind: Kind) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(kind.title)
    sheet.append([c.header for c in kind.columns])
    sheet.append([c.example for c in kind.columns])
    for index, column in enumerate(kind.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        if column.required:
            cell.fill = REQUIRED_FILL
        sheet.column_dimensions[cell.column_letter].width = max(12, len(column.header) * 2.4)
    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "必填", "也可写作", "说明"])
    for column in kind.columns:
        notes.append([column.header, "是" if column.required else "", "、".join(column.aliases), _note(column)])
    notes.append([])
    notes.append(["第2行是示例，导入前请删除。身份证号、手机号请设为文本格式，以免 Excel 改成科学计数法。"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _note(column) -> str:
    notes = {"id_number": "18位公民身份号码，校验位与出生日期会被核对", "phone": "11位中国大陆手机号",
             "community": "社区简称或全称；导入时选择了社区可不填", "grid": "网格名称或编号",
             "residency": "户籍人口、常住人口或流动人口"}
    if column.field in notes:
        return notes[column.field]
    if column.parse and getattr(column.parse, "__name__", "") == "date":
        return "日期，如 2026-01-31"
    return ""
