"""`hmip new`, `hmip info`, `hmip instrument`."""

from __future__ import annotations

import argparse
from pathlib import Path

from hmip_desktop.cli.output import print_json

#: store.ROLES, written out so that `hmip --help` loads no file code (tests/test_cli_startup_cost.py compares).
ROLE_CHOICES = ("inspector", "local-assessor", "lead")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    new = subparsers.add_parser("new", help="create an inspection file for one assessor (or the lead)")
    new.add_argument("file", type=Path, help="the .hmip file to create")
    new.add_argument("--inspection", required=True, help="inspection id shared by the team, e.g. KENT-2014")
    new.add_argument("--area", required=True, help="the area or trust inspected")
    new.add_argument("--assessor", required=True, help="your name as the team knows it")
    new.add_argument("--role", choices=ROLE_CHOICES, default="inspector")
    new.add_argument("--start-date", default="", help="first fieldwork day (YYYY-MM-DD)")
    new.add_argument("--end-date", default="", help="last fieldwork day (YYYY-MM-DD)")
    new.set_defaults(handler=cmd_new)

    info = subparsers.add_parser("info", help="show a file's inspection, assessor, instrument and counts")
    info.add_argument("file", type=Path)
    info.add_argument("--json", action="store_true", help="machine-readable output")
    info.set_defaults(handler=cmd_info)

    unlock = subparsers.add_parser(
        "unlock",
        help="remove the edit lock left by a program that is no longer running (a crash, a laptop switched off)",
    )
    unlock.add_argument("file", type=Path)
    unlock.set_defaults(handler=cmd_unlock)

    instrument = subparsers.add_parser("instrument", help="show the question set")
    instrument.add_argument("--json", action="store_true", help="print the full instrument contract as JSON")
    instrument.set_defaults(handler=cmd_instrument)


def cmd_new(args: argparse.Namespace) -> int:
    from hmip_desktop.model.file.store import InspectionFile

    with InspectionFile.create(
        args.file,
        inspection_id=args.inspection,
        area=args.area,
        assessor=args.assessor,
        role=args.role,
        start_date=args.start_date,
        end_date=args.end_date,
    ) as inspection:
        print(f"created {inspection.path} for {inspection.owner.name} ({inspection.owner.role})")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from hmip_desktop.model.file.store import InspectionFile

    with InspectionFile.open(args.file, read_only=True) as inspection:
        info = inspection.info()
    if args.json:
        print_json(info.to_json())
        return 0
    print(f"file:        {info.path}")
    print(f"inspection:  {info.inspection_id} - {info.area}")
    if info.start_date or info.end_date:
        print(f"fieldwork:   {info.start_date} to {info.end_date}")
    print(f"assessor:    {info.owner.name} ({info.owner.role})")
    print(f"instrument:  {info.instrument.describe()}")
    print(f"schema:      {info.schema_version}")
    print(f"cases:       {info.cases_total} ({info.cases_complete} complete, {info.cases_draft} draft)")
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    """Take over a lock whose holder cannot be asked; refused while that holder is seen running here."""
    from hmip_desktop.model.errors import FileLocked
    from hmip_desktop.model.file.connection import sniff_sqlite
    from hmip_desktop.model.file.lock import FileLock

    sniff_sqlite(args.file)
    lock = FileLock(args.file)
    holder = lock.holder()
    if holder is None:
        print(f"{args.file.name} has no edit lock; nothing to do")
        return 0
    if lock.running_here(holder):
        raise FileLocked(
            f"{args.file.name} is open for editing in {holder.describe()}, which is running; close it there "
            "(unlock is for a program that is no longer running). Nothing was changed."
        )
    lock.take_over()
    lock.release()
    print(
        f"removed the edit lock of {args.file.name} held by {holder.describe()}; if that copy is in fact still "
        "open, close it there without making more changes"
    )
    return 0


def cmd_instrument(args: argparse.Namespace) -> int:
    from hmip_desktop.model.instrument.definition import default_instrument

    instrument = default_instrument()
    if args.json:
        print_json(instrument.contract_dict())
        return 0
    print(f"{instrument.title} ({instrument.id} v{instrument.version})")
    print(f"{len(instrument.questions)} questions, {len(instrument.scored_questions)} scored")
    for section in instrument.sections:
        print(f"\n{section.title}")
        for question in instrument.questions_in_section(section.key):
            code = question.criterion or "ctx"
            print(f"  [{code:>4}] {question.id}: {question.text}")
    return 0
