"""Folders of messy real-looking ledgers, each file imported as its office would and checked row by row: wrongly
refused rows, wrongly accepted ones, rows created where they should update, the stored values afterwards, the
warnings, and (where a case lists them) the timelines of the rows written. Four passes, each built by someone who
had not seen the import's rules: messy.py (offices' forms and garbage), messy2.py (new layouts and words),
messy3.py (two-level headers, number cells, tenancies, users), messy4a.py (Banyan's exports as clerks edit them).
A case may expect the whole file refused (`refused_file`) or a row "no_new" (anything but a create). A failure
prints a table of every mismatch."""

import json
import os

import pytest
from openpyxl import load_workbook

from banyan.core.testing import community
from banyan.ledgers import importing
from banyan.ledgers.importing import ledger_import
from banyan.ledgers.reading import FileRefused
from banyan.ledgers.tests import messy, messy2, messy3, messy4a
from banyan.ledgers.tests.messy import secretary

pytestmark = pytest.mark.django_db

ACCEPTED = {"create", "update", "unchanged"}
CASES = {f"{folder.__name__.rsplit('.', 1)[-1]}-{name}": build
         for folder in (messy, messy2, messy3, messy4a) for name, build in folder.CASES.items()}


def refused_rows(result) -> dict[int, str]:
    """行号 → 错误原因 of the refused-rows file."""
    if not result.refused_path:
        return {}
    rows = list(load_workbook(result.refused_path, read_only=True).active.values)
    out = {}
    for row in rows[1:]:
        try:
            out[int(str(row[0]).removesuffix(".0"))] = str(row[-1] or "")
        except (TypeError, ValueError):
            out[-len(out) - 1] = f"行号 unreadable: {row[0]!r} ({row[-1]})"
    return out


def spy_on_rows(monkeypatch) -> dict[int, tuple[str, str | None]]:
    """Each row's action as the import sorted it (create / update / unchanged / refused), by its row number."""
    actions: dict[int, tuple[str, str | None]] = {}
    original = importing._classify

    def classify(*args, **kwargs):
        df = original(*args, **kwargs)
        if {"_row", "_action", "_error"} <= set(df.columns):
            for row, action, error in df.select("_row", "_action", "_error").iter_rows():
                actions[row] = (action, error)
        return df

    monkeypatch.setattr(importing, "_classify", classify)
    return actions


def matches(expected: str, got: str) -> bool:
    if expected == "accepted":
        return got in ACCEPTED or got == "accepted?"
    if expected == "not_created":
        return got in ("refused", "absent")
    if expected == "no_new":
        return got in ("refused", "absent", "update", "unchanged")
    if got == "accepted?":  # the spy saw nothing: only accepted vs refused can be told
        return expected in ACCEPTED
    return expected == got


def table(lines: list[tuple]) -> str:
    header = ("row", "label", "expected", "got", "reason / detail")
    rows = [header, *[tuple(str(c) for c in line) for line in lines]]
    widths = [min(max(len(r[i]) for r in rows), 48) for i in range(4)]
    return "\n".join("  ".join(r[i][:48].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows)


@pytest.mark.parametrize("name", list(CASES))
def test_messy_ledger(name, tmp_path, monkeypatch):
    built = CASES[name](tmp_path)
    user = built.user or secretary()
    where = community(built.community) if built.community else None
    for kind, path, options in built.prelude:
        ledger_import(kind=kind, path=path, file_name=path.name, by=user, community=where, options=dict(options))
    actions = spy_on_rows(monkeypatch)
    try:
        result = ledger_import(kind=built.kind, path=built.path, file_name=built.path.name, by=user,
                               community=where, strict=built.strict, options=dict(built.options))
    except FileRefused as refused:
        wanted = built.refused_file
        if wanted and wanted in str(refused):
            problems = built.after(None) if built.after else []
            _report(name, problems, [])
            assert not problems, problems
            return
        problems = [f"the whole file was refused: {refused}"]
        _report(name, problems, None)
        pytest.fail(f"{name} ({built.path.name}): " + problems[0])

    if built.refused_file:
        problems = [f"the whole file must be refused (“{built.refused_file}”), but it was imported: created "
                    f"{result.created}, updated {result.updated}, refused {result.refused}"]
        _report(name, problems, [])
        pytest.fail(f"{name} ({built.path.name}): " + problems[0])

    reasons = refused_rows(result)
    mismatches = []
    for number, want in sorted(built.rows.items()):
        if number in reasons:
            got, reason = "refused", reasons[number]
        elif number in actions:
            got, reason = actions[number]
            if got == "refused":  # refused by the import but missing from the refused-rows file
                reason = f"(not in the refused-rows file) {reason}"
        elif actions or result.rows == 0:
            got, reason = "absent", ""
        else:
            got, reason = "accepted?", ""
        ok = matches(want.outcome, got)
        if ok and want.outcome == "refused" and want.reason and want.reason not in (reason or ""):
            ok = False
            reason = f"reason lacks “{want.reason}”: {reason}"
        if not ok:
            expected = want.outcome + (f" “{want.reason}”" if want.outcome == "refused" else "")
            mismatches.append((number, want.label, expected, got, reason or ""))
    for number in sorted(set(reasons) | {n for n, (a, _e) in actions.items() if a in ACCEPTED}):
        if number not in built.rows:
            got = "refused" if number in reasons else actions[number][0]
            mismatches.append((number, "(not a data row of the file)", "absent", got, reasons.get(number, "")))

    problems = []
    exact = [w.outcome for w in built.rows.values()]
    counts = {"created": "create", "updated": "update", "unchanged": "unchanged", "refused": "refused"}
    if not {"accepted", "not_created", "no_new"} & set(exact):
        for attr, outcome in counts.items():
            if getattr(result, attr) != exact.count(outcome):
                problems.append(f"result.{attr} = {getattr(result, attr)}, expected {exact.count(outcome)}")
    for fragment in built.warnings:
        if not any(fragment in w for w in result.warnings):
            problems.append(f"warning missing: “{fragment}” (warnings: {result.warnings})")
    if built.expect_written is not None and result.written != built.expect_written:
        problems.append(f"written = {result.written} ({result.message}), expected {built.expect_written}")
    if built.after and (not built.strict or result.written):
        problems += built.after(result)
    problems += _timelines(built, result)

    _report(name, problems, mismatches)
    if mismatches or problems:
        message = [f"{name} ({built.path.name}, {built.kind}): {len(mismatches)} row mismatches, "
                   f"{len(problems)} other problems"]
        if mismatches:
            message.append(table(mismatches))
        message += [f"- {p}" for p in problems]
        message.append(f"counts: created {result.created}, updated {result.updated}, unchanged {result.unchanged}, "
                       f"refused {result.refused}; warnings: {result.warnings}")
        if result.changes.get("fields"):
            message.append(f"fields updated: {result.changes['fields']}; first samples: "
                           f"{result.changes.get('samples', [])[:3]}")
        print("\n".join(message))
        pytest.fail("\n".join(message), pytrace=False)


def _timelines(built, result) -> list[str]:
    """Each listed record's timeline shows this import's `imported` event (or, for a row left unchanged, not)."""
    from banyan.events.selectors import record_history

    if not built.timeline:
        return []
    problems = []
    for label, obj, shows in built.timeline():
        obj = type(obj).objects.filter(pk=obj.pk).first() if obj is not None else None
        if obj is None:
            if shows:
                problems.append(f"timeline {label}: record not stored")
            continue
        events = list(record_history(obj).values_list("pk", "action"))
        has = result.event_id is not None and any(pk == result.event_id for pk, _a in events)
        if has != shows:
            problems.append(f"timeline {label} (#{obj.pk}): import event {result.event_id} "
                            f"{'missing' if shows else 'present'}; events {events}")
    return problems


def _report(name: str, problems: list[str], mismatches: list[tuple] | None) -> None:
    """With MESSY_REPORT set, each case's outcome appended to that file (JSON lines) for a summary."""
    target = os.environ.get("MESSY_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps({"case": name, "problems": problems,
                                  "mismatches": [list(map(str, m)) for m in mismatches or []]},
                                 ensure_ascii=False) + "\n")
