"""Reads about imports: which jobs a user sees, the kinds they may import, and a refused-rows preview."""

import re
from pathlib import Path

from banyan.accounts.roles import Action
from banyan.core.scoping import can
from banyan.ledgers.kinds import KINDS, Kind
from banyan.ledgers.models import ExportJob, ImportJob


def visible_jobs(user):
    """Jobs in the user's places, and their own: through the access door (ImportJob.scope_rows)."""
    return ImportJob.objects.visible_to(user).select_related("user", "community")


def importable_kinds(user) -> list[Kind]:
    return [kind for kind in KINDS.values() if can(user, Action.CHANGE, kind.model)]


def refused_preview(job: ImportJob, limit: int = 20) -> tuple[list[str], list[list[tuple]]]:
    """The first refused rows as the refused-rows file has them: the header, and rows of (column, value)."""
    if not job.refused_file:
        return [], []
    from openpyxl import load_workbook

    workbook = load_workbook(Path(job.refused_file.path), read_only=True)
    rows = workbook.active.iter_rows(values_only=True)
    header = list(next(rows, []))
    preview = [list(zip(header, (masked_cell(c) for c in row), strict=False))
               for _, row in zip(range(limit), rows, strict=False)]
    workbook.close()
    return header, preview


_ID = re.compile(r"\d{17}[\dXx]|\d{15}")
_MOBILE = re.compile(r"1\d{10}")


def masked_cell(value):
    """Numbers that look like ID or mobile numbers, masked for the page (the download keeps them for fixing)."""
    from banyan.core.pii import mask

    text = str(value) if value is not None else ""
    if _ID.fullmatch(text):
        return mask("id_number", text)
    if _MOBILE.fullmatch(text):
        return mask("phone", text)
    return value


def export_jobs(user):
    """The user's own exports, newest first (an export is its owner's alone: see ExportJob)."""
    return ExportJob.objects.visible_to(user)


def may_export(user) -> bool:
    """Whether the user may export some list at all (the 工具 menu's 我的导出)."""
    from banyan.core.registry import ENTRIES

    return any(can(user, Action.EXPORT, entry.model) for entry in ENTRIES)
