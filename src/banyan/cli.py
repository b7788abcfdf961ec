"""The `banyan` command: demo, serve, migrate, import, export, manage, worker."""

import argparse
import os
import sys


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banyan.settings")
    import django

    django.setup()


def _call(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


def cmd_migrate(args) -> None:
    _django()
    _call("migrate", "--no-input", *(["-v", "0"] if args.quiet else []))


def cmd_demo(args) -> None:
    _django()
    _call("migrate", "--no-input", "-v", "0")
    from django.utils.translation import gettext as _

    from banyan.demo.build import OtherData, demo_load

    try:
        demo_load(seed=args.seed, reset=not args.keep, scale=args.scale, allow_other_data=args.allow_other_data)
    except OtherData as refusal:
        print(refusal, file=sys.stderr)
        print(_("如确要在这些数据旁加载演示数据（它们保留不动，只替换演示数据自己的记录），请运行："
                "banyan demo --allow-other-data"), file=sys.stderr)
        sys.exit(1)


def cmd_serve(args) -> None:
    _django()
    from django.conf import settings
    from django.core.management import call_command

    if not settings.DEBUG:
        call_command("collectstatic", "--no-input", "-v", "0")
    from waitress import serve

    from banyan.wsgi import application

    print(f"Banyan serving on http://{args.host}:{args.port}/", flush=True)
    serve(application, host=args.host, port=args.port, threads=args.threads, ident="banyan")


def cmd_import(args) -> None:
    _django()
    from banyan.ledgers.commands import import_from_terminal, import_options

    options = import_options(args.kind, sheet=args.sheet, households=args.households, fixed=args.set)
    sys.exit(import_from_terminal(kind=args.kind, path=args.file, community=args.community, user=args.user,
                                  dry_run=args.dry_run, strict=args.strict, options=options))


def cmd_export(args) -> None:
    _django()
    from banyan.ledgers.commands import export_from_terminal

    sys.exit(export_from_terminal(kind=args.kind, path=args.file, community=args.community, user=args.user))


def cmd_worker(args) -> None:
    _django()
    from django.utils.translation import gettext as _

    from banyan.ledgers.services import import_files_purge, jobs_interrupted_fail

    # What a previous worker left running when it stopped can never finish: failed, so no page shows it 校验中
    # for ever; and the uploaded files past their time are deleted.
    failed = jobs_interrupted_fail()
    if failed:
        print(_("已将%(n)d个因处理进程停止而中断的任务标记为失败。") % {"n": failed}, file=sys.stderr)
    import_files_purge()
    from banyan.cases.tasks import deadlines_every, deadlines_sweep

    deadlines_sweep()
    if not args.batch:
        deadlines_every(args.sweep_seconds)
    _call("db_worker", "--no-reload", *(["--batch"] if args.batch else []))


def cmd_cases(args) -> None:
    _django()
    if args.action == "sweep":
        from banyan.cases.tasks import deadlines_sweep

        done = deadlines_sweep()
        print(f"reminded={done['reminded']} escalated={done['escalated']}")
        return
    from banyan.cases.router_commands import evaluate_router_command, train_router_command, train_router_from_cases
    from banyan.cases.routing import router_path

    if args.action == "train-router" and args.from_cases:
        sys.exit(train_router_from_cases(out=args.model or router_path()))
    if not (args.file and args.text_column and args.label_column):
        print("--file, --text-column and --label-column are required (or --from-cases to train on answered cases)",
              file=sys.stderr)
        sys.exit(2)
    columns = {"text_column": args.text_column, "label_column": args.label_column, "title_column": args.title_column}
    if args.action == "train-router":
        sys.exit(train_router_command(args.file, out=args.model or router_path(), **columns))
    sys.exit(evaluate_router_command(args.file, model=args.model or router_path(), **columns))


def cmd_manage(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banyan.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["banyan manage", *args.rest])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="banyan", description="榕树头基层治理平台 Banyan")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="migrate and load the deterministic demo (replaces an earlier demo's own rows; "
                                    "refuses a database holding other data)")
    p.add_argument("--seed", type=int, default=20200209, help="random seed (default: %(default)s)")
    p.add_argument("--keep", action="store_true", help="do not delete an existing demo first")
    p.add_argument("--scale", type=float, default=1.0,
                   help="share of the seeds' people to load, for a quick trial (default: %(default)s)")
    p.add_argument("--allow-other-data", action="store_true",
                   help="load even though the database holds data the demo did not create (that data is kept)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="serve the web application")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--threads", type=int, default=8)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="create or upgrade the database schema")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("import", help="import a ledger file (XLSX or CSV) with a progress bar")
    p.add_argument("kind", choices=["residents", "households", "rentals", "tenancies", "enterprises", "party-members"])
    p.add_argument("file", help="an .xlsx or .csv file (UTF-8, UTF-8 with BOM or GB18030)")
    p.add_argument("--community", help="the community rows without a 社区 column go to (name or code)")
    p.add_argument("--user", help="import as this user, within their places (default: a district-wide operator)")
    p.add_argument("--dry-run", action="store_true", help="validate and report only; write nothing")
    p.add_argument("--strict", action="store_true", help="write nothing if any row is refused")
    p.add_argument("--sheet", help="the worksheet to read (default: the first)")
    p.add_argument("--households", action="store_true",
                   help="residents: create a household from the row's 户号 and address when the number is new")
    p.add_argument("--set", action="append", default=[], metavar="HEADER=VALUE",
                   help="a value for the whole file when it has no such column, e.g. --set 人口类别=户籍人口 "
                        "(repeatable)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export a kind's rows as its import template (.xlsx or .csv), masked")
    p.add_argument("kind", choices=["residents", "households", "rentals", "tenancies", "enterprises", "party-members"])
    p.add_argument("file", help="the file to write: .xlsx or .csv")
    p.add_argument("--community", help="only this community's rows (name or code)")
    p.add_argument("--user", help="export as this user, the rows they may export (default: a district-wide operator)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("worker", help="run background tasks (imports, exports, case deadlines)")
    p.add_argument("--batch", action="store_true", help="run the queued tasks, then exit (default: keep polling)")
    p.add_argument("--sweep-seconds", type=float, default=60,
                   help="how often case deadlines are checked for reminders and escalation (default: %(default)s)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("cases", help="case router (train, evaluate) and the deadline sweep")
    cases = p.add_subparsers(dest="action", required=True)
    for name, what in (("train-router", "train the case router on a labelled CSV/XLSX file"),
                       ("evaluate-router", "evaluate the trained router on a labelled CSV/XLSX file")):
        q = cases.add_parser(name, help=what)
        q.add_argument("--file", help="CSV (UTF-8 or GB18030) or XLSX")
        q.add_argument("--text-column")
        q.add_argument("--title-column")
        q.add_argument("--label-column")
        q.add_argument("--model", help="the model file (default: router.pkl in the data directory)")
        if name == "train-router":
            q.add_argument("--from-cases", action="store_true",
                           help="train on the platform's answered cases, labelled with their confirmed category's "
                                "top-level class, instead of a file")
        q.set_defaults(func=cmd_cases)
    cases.add_parser("sweep", help="remind and escalate by case deadlines once").set_defaults(func=cmd_cases)

    p = sub.add_parser("manage", help="run a Django management command, e.g. `banyan manage createsuperuser`")
    p.add_argument("rest", nargs=argparse.REMAINDER, help="the management command and its arguments")
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main(sys.argv[1:])
