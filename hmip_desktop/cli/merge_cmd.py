"""`hmip merge`, `hmip imports`, `hmip conflicts`, `hmip resolve`, `hmip export`, `hmip aggregate`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hmip_desktop.cli.output import print_json, print_table
from hmip_desktop.cli.passphrase import add_passphrase_argument, passphrase_hook
from hmip_desktop.model.errors import UserError
from hmip_desktop.model.wording import count, plural

if TYPE_CHECKING:
    from hmip_desktop.model.file.store import InspectionFile
    from hmip_desktop.model.merge.summary import MergeSummary

#: merge.aggregate's DEFAULT_AGGREGATE_ID and DEFAULT_OWNER, written out so that `hmip --help` loads no
#: merge code (tests/test_cli_startup_cost.py compares).
AGGREGATE_ID = "AGGREGATE"
AGGREGATE_OWNER = "HMIP aggregate"

EXIT_SOME_REFUSED = 3


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    merge = subparsers.add_parser(
        "merge", help="merge the team's files (.hmip, or encrypted .hmipx) into the lead's file"
    )
    merge.add_argument("master", type=Path, help="the lead's file (role lead)")
    merge.add_argument("files", type=Path, nargs="+", metavar="FILE", help="assessors' files to merge")
    merge.add_argument(
        "--create", action="store_true", help="create MASTER for the inspection of the first FILE (needs --lead)"
    )
    merge.add_argument("--lead", metavar="NAME", help="the lead inspector's name, with --create")
    merge.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_passphrase_argument(merge)
    merge.set_defaults(handler=cmd_merge)

    imports = subparsers.add_parser("imports", help="the import ledger: every team file merged, with its hash")
    imports.add_argument("master", type=Path)
    imports.add_argument("--json", action="store_true")
    imports.set_defaults(handler=cmd_imports)

    conflicts = subparsers.add_parser("conflicts", help="list the open conflicts between assessors' answers")
    conflicts.add_argument("master", type=Path)
    conflicts.add_argument("--all", action="store_true", help="include resolved conflicts")
    conflicts.add_argument("--json", action="store_true")
    conflicts.set_defaults(handler=cmd_conflicts)

    resolve = subparsers.add_parser("resolve", help="settle one conflict with a value or one assessor's answer")
    resolve.add_argument("master", type=Path)
    resolve.add_argument("case_ref")
    resolve.add_argument("question_id")
    resolve.add_argument("value", nargs="?", help="the option value to keep (see `hmip instrument`)")
    resolve.add_argument("--take", metavar="ASSESSOR", help="take this assessor's side instead of giving a value")
    resolve.add_argument("--note", default="", help="why (kept with the resolution in the audit log)")
    resolve.add_argument(
        "--reopen", action="store_true", help="open the latest resolved conflict on this answer again (audited)"
    )
    resolve.set_defaults(handler=cmd_resolve)

    export = subparsers.add_parser("export", help="export cases, answers with provenance, and scores")
    export.add_argument("master", type=Path)
    export.add_argument("--csv", type=Path, metavar="DIR", help="write one CSV per table into DIR")
    export.add_argument("--xlsx", type=Path, metavar="FILE", help="write one workbook with a sheet per table")
    export.add_argument("--sqlite", type=Path, metavar="FILE", help="write one SQLite database (.db) for analysis")
    export.add_argument("--include-incomplete", action="store_true", help="score draft cases too")
    export.set_defaults(handler=cmd_export)

    aggregate = subparsers.add_parser(
        "aggregate", help="combine several inspections' merged files (same instrument) into one file"
    )
    aggregate.add_argument("out", type=Path, metavar="OUT.hmip")
    aggregate.add_argument("masters", type=Path, nargs="+", metavar="MASTER")
    aggregate.add_argument("--id", default=AGGREGATE_ID, help="the aggregate's id (default %(default)s)")
    aggregate.add_argument("--owner", default=AGGREGATE_OWNER, help="who builds it (default %(default)r)")
    aggregate.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    aggregate.add_argument("--include-incomplete", action="store_true", help="score draft cases too")
    aggregate.add_argument("--json", action="store_true")
    add_passphrase_argument(aggregate)
    aggregate.set_defaults(handler=cmd_aggregate)


def _passphrase_for(args: argparse.Namespace) -> Callable[[Path], str]:
    """Asked only if a package needs it (then once for the whole run: the team shares one passphrase)."""
    return passphrase_hook(args.passphrase_file)


def _progress_line(position: int, total: int, name: str) -> None:
    print(f"[{position}/{total}] {name}", file=sys.stderr, flush=True)


def cmd_merge(args: argparse.Namespace) -> int:
    from hmip_desktop.cli.editing import open_for_edit
    from hmip_desktop.model.merge.files import create_master, merge_files

    passphrase_for = _passphrase_for(args)

    def merge_into(master: InspectionFile) -> MergeSummary:
        return merge_files(
            master, args.files, progress=None if args.json else _progress_line, passphrase_for=passphrase_for
        )

    if args.create:
        if not args.lead:
            raise UserError("--create needs --lead NAME (the lead inspector who owns the merged file)")
        if args.master.exists():
            raise UserError(f"{args.master} already exists; leave out --create to merge into it")
        with create_master(args.master, args.files[0], args.lead, passphrase_for=passphrase_for) as master:
            print(f"created {args.master.name} for inspection {master.inspection_id} ({master.owner.name}, lead)")
            summary = merge_into(master)
    else:
        if not args.master.exists():
            raise UserError(
                f"{args.master} does not exist; create it with `hmip new {args.master} --role lead …` "
                "or pass --create --lead NAME"
            )
        with open_for_edit(args.master) as master:
            summary = merge_into(master)
    if args.json:
        print_json(summary.to_json())
    else:
        _print_summary(summary)
    return EXIT_SOME_REFUSED if summary.refused else 0


def _print_summary(summary: MergeSummary) -> None:
    for result in summary.files:
        print(f"{result.name}: {result.describe()}")
        for warning in result.warnings:
            print(f"  warning: {warning}")
    print(
        f"{count(len(summary.merged), 'file')} merged, {len(summary.unchanged)} unchanged, {len(summary.refused)} refused; "
        f"{count(summary.total('cases_added'), 'case')} added, {summary.total('cases_updated')} updated, "
        f"{count(summary.total('answers_changed'), 'answer')} changed, {count(summary.total('conflicts_raised'), 'conflict')} raised"
    )
    if summary.backup is not None:
        print(f"backup of the lead file before this merge: {summary.backup.parent.name}/{summary.backup.name}")
    elif not summary.changed_anything:
        print("nothing changed")


def cmd_imports(args: argparse.Namespace) -> int:
    from hmip_desktop.model.file.store import InspectionFile

    with InspectionFile.open(args.master, read_only=True) as master:
        rows = master.conn.execute(
            "SELECT id, imported_at, file_name, assessor, sha256, kind, cases_added, cases_updated, answers_changed, "
            "conflicts_raised, warning FROM imports ORDER BY id"
        ).fetchall()
    keys = [
        "id",
        "imported_at",
        "file",
        "assessor",
        "sha256",
        "kind",
        "cases_added",
        "cases_updated",
        "answers_changed",
        "conflicts_raised",
        "warning",
    ]
    records = [dict(zip(keys, row)) for row in rows]
    if args.json:
        print_json(records)
        return 0
    if not records:
        print("no team file merged yet")
        return 0
    print_table(
        ["#", "when", "file", "assessor", "sha256", "added", "updated", "answers", "conflicts"],
        [
            (
                r["id"],
                r["imported_at"][:16],
                r["file"],
                r["assessor"],
                r["sha256"][:12],
                r["cases_added"],
                r["cases_updated"],
                r["answers_changed"],
                r["conflicts_raised"],
            )
            for r in records
        ],
        align="rllllrrrr",
    )
    return 0


def cmd_conflicts(args: argparse.Namespace) -> int:
    from hmip_desktop.model.file.store import InspectionFile
    from hmip_desktop.model.merge.conflicts import list_conflicts

    with InspectionFile.open(args.master, read_only=True) as master:
        conflicts = list_conflicts(master, include_resolved=args.all)
        instrument = master.instrument
    if args.json:
        print_json(
            [
                {
                    "id": c.id,
                    "case_ref": c.case_ref,
                    "question_id": c.question_id,
                    "open": c.is_open,
                    "sides": [side.to_json() for side in c.sides],
                    "raised_at": c.raised_at,
                    "resolved_at": c.resolved_at,
                    "resolved_by": c.resolved_by,
                    "resolution_value": c.resolution_value,
                    "resolution_note": c.resolution_note,
                }
                for c in conflicts
            ]
        )
        return 0
    if not conflicts:
        print("no open conflicts" if not args.all else "no conflicts")
        return 0
    for conflict in conflicts:
        question = instrument.by_id.get(conflict.question_id)
        title = question.chart_label if question else conflict.question_id
        state = "" if conflict.is_open else f"  [resolved: {conflict.resolution_value}]"
        print(f"{conflict.case_ref}  {conflict.question_id}  {title}{state}")
        for side in conflict.sides:
            label = question.label_for(side.value) if question else side.value
            note = f"  note: {_one_line(side.note)}" if side.note else ""
            print(f"    {side.value} ({label})  {side.assessor}, {side.source} rev {side.revision}{note}")
    open_count = sum(1 for c in conflicts if c.is_open)
    print(
        f"{open_count} open {plural(open_count, 'conflict')}; settle each with `hmip resolve MASTER CASE_REF QUESTION_ID VALUE|--take NAME`"
    )
    return 0


def _one_line(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def cmd_resolve(args: argparse.Namespace) -> int:
    from hmip_desktop.cli.editing import open_for_edit
    from hmip_desktop.model.merge.conflicts import list_conflicts, resolve_conflict

    if args.reopen:
        return _reopen(args)
    if (args.value is None) == (args.take is None):
        raise UserError("give the VALUE to keep or --take ASSESSOR (one of them)")
    with open_for_edit(args.master) as master:
        conflict = resolve_conflict(
            master, args.case_ref, args.question_id, value=args.value, take=args.take, note=args.note
        )
        remaining = len(list_conflicts(master))
    print(
        f"resolved {conflict.case_ref} {conflict.question_id} = {conflict.resolution_value}; "
        f"{remaining} open {plural(remaining, 'conflict')} left"
    )
    return 0


def _reopen(args: argparse.Namespace) -> int:
    from hmip_desktop.cli.editing import open_for_edit
    from hmip_desktop.model.merge.conflicts import list_conflicts, reopen_conflict

    if args.value is not None or args.take is not None:
        raise UserError("--reopen takes no VALUE or --take: it opens the decision again for a new one")
    with open_for_edit(args.master) as master:
        conflict = reopen_conflict(master, args.case_ref, args.question_id, note=args.note)
        remaining = len(list_conflicts(master))
    print(
        f"reopened {conflict.case_ref} {conflict.question_id}: the case is held out of the scores until it is "
        f"resolved again; {remaining} open {plural(remaining, 'conflict')}"
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from hmip_desktop.exports.tables import check_targets, export_tables, write_csv, write_sqlite, write_xlsx
    from hmip_desktop.model.file.store import InspectionFile

    if args.csv is None and args.xlsx is None and args.sqlite is None:
        raise UserError("say where to export: --csv DIR, --xlsx FILE and/or --sqlite FILE")
    check_targets(args.csv, args.xlsx, args.sqlite)  # every target before any is written
    with InspectionFile.open(args.master, read_only=True) as master:
        tables = export_tables(master, include_incomplete=args.include_incomplete)
    if args.csv is not None:
        written = write_csv(tables, args.csv)
        print(
            f"wrote {len(written)} CSV {plural(len(written), 'file')} to {args.csv}: {', '.join(p.name for p in written)}"
        )
    if args.xlsx is not None:
        write_xlsx(tables, args.xlsx)
        print(f"wrote {args.xlsx} ({len(tables)} sheets)")
    if args.sqlite is not None:
        write_sqlite(tables, args.sqlite)
        print(f"wrote {args.sqlite} ({len(tables)} tables)")
    return 0


def cmd_aggregate(args: argparse.Namespace) -> int:
    from hmip_desktop.model.file.store import InspectionFile
    from hmip_desktop.model.merge.aggregate import build_aggregate
    from hmip_desktop.scoring.by_inspection import scores_by_inspection

    summary = build_aggregate(
        args.out,
        args.masters,
        aggregate_id=args.id,
        owner=args.owner,
        overwrite=args.overwrite,
        progress=None if args.json else _progress_line,
        passphrase_for=_passphrase_for(args),
    )
    with InspectionFile.open(args.out, read_only=True) as aggregate:
        per_inspection = scores_by_inspection(aggregate, include_incomplete=args.include_incomplete)
        outcomes = aggregate.instrument.outcomes
    if args.json:
        data = summary.to_json()
        data["scores_by_inspection"] = {key: result.to_json() for key, result in per_inspection.items()}
        print_json(data)
        return EXIT_SOME_REFUSED if summary.refused else 0
    for name, reason in summary.refused:
        print(f"{name}: refused: {reason}")
    cases = sum(m.cases for m in summary.members)
    print(f"wrote {args.out.name}: {count(len(summary.members), 'inspection')}, {count(cases, 'case')}")
    print_table(
        ["inspection", "cases scored", "held out"] + [f"{o.number}. {o.key}" for o in outcomes],
        [
            [inspection_id, result.cases_scored, result.cases_held_out]
            + [_percent(result.outcomes[o.key].percent) for o in outcomes]
            for inspection_id, result in per_inspection.items()
        ],
        align="lrr" + "r" * len(outcomes),
    )
    print(f"scores of all of them together: `hmip score {args.out.name}` (breakdowns with --by)")
    return EXIT_SOME_REFUSED if summary.refused else 0


def _percent(value: int | None) -> str:
    return "-" if value is None else f"{value}%"
