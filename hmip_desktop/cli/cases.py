"""`hmip cases`, `hmip answer`, `hmip answers import`, `hmip case complete|reopen`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hmip_desktop.cli.output import print_json, print_table
from hmip_desktop.model.wording import count, plural


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cases = subparsers.add_parser("cases", help="import the case sample, list cases")
    cases_sub = cases.add_subparsers(dest="cases_command", metavar="ACTION", required=True)
    cases_import = cases_sub.add_parser(
        "import", help="import the case sample from CSV (case_ref + case-detail columns)"
    )
    cases_import.add_argument("file", type=Path)
    cases_import.add_argument("csv", type=Path)
    cases_import.add_argument(
        "--drop-column",
        action="append",
        default=[],
        metavar="NAME",
        help="confirm that this column (e.g. one holding names) is left out and never stored",
    )
    cases_import.set_defaults(handler=cmd_cases_import)
    cases_list = cases_sub.add_parser("list", help="list cases with status and progress")
    cases_list.add_argument("file", type=Path)
    cases_list.add_argument("--json", action="store_true")
    cases_list.set_defaults(handler=cmd_cases_list)

    answer = subparsers.add_parser("answer", help="record one judgement (creates the case if the ref is new)")
    answer.add_argument("file", type=Path)
    answer.add_argument("case_ref")
    answer.add_argument("question_id")
    answer.add_argument("value", help="an option value of the question (see `hmip instrument`)")
    answer.add_argument("--note", help="evidence note for this judgement")
    answer.set_defaults(handler=cmd_answer)

    answers = subparsers.add_parser("answers", help="bulk answers")
    answers_sub = answers.add_subparsers(dest="answers_command", metavar="ACTION", required=True)
    answers_import = answers_sub.add_parser(
        "import", help="import case_ref,question_id,value[,note] rows, all or nothing"
    )
    answers_import.add_argument("file", type=Path)
    answers_import.add_argument("csv", type=Path)
    answers_import.set_defaults(handler=cmd_answers_import)

    case = subparsers.add_parser("case", help="mark a case complete or reopen it")
    case_sub = case.add_subparsers(dest="case_command", metavar="ACTION", required=True)
    for action, helptext in (
        ("complete", "mark complete (all relevant questions answered)"),
        ("reopen", "back to draft"),
    ):
        sub = case_sub.add_parser(action, help=helptext)
        sub.add_argument("file", type=Path)
        sub.add_argument("case_ref")
        sub.set_defaults(handler=cmd_case_complete if action == "complete" else cmd_case_reopen)


def cmd_cases_import(args: argparse.Namespace) -> int:
    from hmip_desktop.cli.editing import open_for_edit
    from hmip_desktop.model.imports import csv_import

    with open_for_edit(args.file) as inspection:
        plan, changed = csv_import.import_cases(inspection, args.csv, args.drop_column)
    for warning in plan.warnings:
        print(f"note: {warning}")
    print(
        f"imported {args.csv.name}: {len(plan.new_cases)} new {plural(len(plan.new_cases), 'case')}, {changed} case {plural(changed, 'detail')} set"
    )
    return 0


def cmd_cases_list(args: argparse.Namespace) -> int:
    from hmip_desktop.model.file.store import InspectionFile

    with InspectionFile.open(args.file, read_only=True) as inspection:
        rows: list[dict[str, Any]] = []
        for case in inspection.list_cases():
            answered, relevant = inspection.progress(case.uuid)
            rows.append(
                {
                    "case_ref": case.case_ref,
                    "status": case.status,
                    "answered": answered,
                    "relevant": relevant,
                    "illustration": case.illustration,
                    "updated_at": case.updated_at,
                }
            )
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no cases yet: `hmip cases import` or `hmip answer` adds them")
        return 0
    print_table(
        ["case", "status", "answered", "illustration", "last edited"],
        [
            (
                r["case_ref"],
                r["status"],
                f"{r['answered']}/{r['relevant']}",
                "yes" if r["illustration"] else "",
                r["updated_at"][:16],
            )
            for r in rows
        ],
    )
    return 0


def cmd_answer(args: argparse.Namespace) -> int:
    from hmip_desktop.cli.editing import open_for_edit
    from hmip_desktop.model.instrument import relevance

    with open_for_edit(args.file) as inspection:
        record = inspection.set_answer(args.case_ref, args.question_id, args.value, args.note, create_case=True)
        label = inspection.instrument.question(args.question_id).label_for(record.value)
        case = inspection.get_case(args.case_ref)
        stale = relevance.stale_question_ids(inspection.instrument, inspection.values_for(case.uuid))
    print(f"saved {args.case_ref} {args.question_id} = {record.value} ({label}), revision {record.revision}")
    if stale:
        print(
            f"note: {len(stale)} earlier {plural(len(stale), 'answer no longer applies', 'answers no longer apply')} "
            f"and will not be scored: {', '.join(sorted(stale))}"
        )
    return 0


def cmd_answers_import(args: argparse.Namespace) -> int:
    from hmip_desktop.cli.editing import open_for_edit
    from hmip_desktop.model.imports import csv_import

    with open_for_edit(args.file) as inspection:
        plan, changed = csv_import.import_answers(inspection, args.csv)
    for warning in plan.warnings:
        print(f"note: {warning}")
    print(
        f"imported {args.csv.name}: {count(len(plan.rows), 'row')}, {count(changed, 'answer')} changed, "
        f"{len(plan.new_cases)} new {plural(len(plan.new_cases), 'case')}"
    )
    return 0


def cmd_case_complete(args: argparse.Namespace) -> int:
    from hmip_desktop.cli.editing import open_for_edit

    with open_for_edit(args.file) as inspection:
        case = inspection.complete_case(args.case_ref)
    print(f"case {case.case_ref} is complete")
    return 0


def cmd_case_reopen(args: argparse.Namespace) -> int:
    from hmip_desktop.cli.editing import open_for_edit

    with open_for_edit(args.file) as inspection:
        case = inspection.reopen_case(args.case_ref)
    print(f"case {case.case_ref} is {case.status}")
    return 0
