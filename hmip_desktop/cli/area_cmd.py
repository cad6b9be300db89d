"""`hmip area`: the context figures about the area inspected (the report's first appendix)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hmip_desktop.model.wording import count, plural


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    area = subparsers.add_parser("area", help="context figures about the area inspected, for the report")
    actions = area.add_subparsers(dest="area_command", metavar="ACTION", required=True)
    load = actions.add_parser(
        "import",
        help="replace the area's figures with those of a CSV file (table,row,column,value[,source,row_heading])",
    )
    load.add_argument("file", type=Path, metavar="MASTER", help="the lead's merged inspection file")
    load.add_argument("csv", type=Path, metavar="CSV")
    load.set_defaults(handler=cmd_area_import)
    show = actions.add_parser("show", help="print the area's figures as tables, or as CSV with --csv")
    show.add_argument("file", type=Path, metavar="MASTER")
    show.add_argument("--csv", action="store_true", help="the CSV form that `hmip area import` reads")
    show.set_defaults(handler=cmd_area_show)


def cmd_area_import(args: argparse.Namespace) -> int:
    # Imported here: `hmip --help` should not load the report package.
    from hmip_desktop.cli.editing import open_for_edit
    from hmip_desktop.report import area

    data = area.read_area_csv(args.csv)  # checked in full before the file is opened for changes
    with open_for_edit(args.file) as inspection:
        inspection.set_finding(area.FIELD, data.to_json())
    figures = sum(len(t.rows) * len(t.columns) for t in data.tables)
    print(
        f"saved the area's figures: {count(len(data.tables), 'table')}, {figures:,} {plural(figures, 'figure')}, {count(len(data.sources()), 'source')}"
    )
    return 0


def cmd_area_show(args: argparse.Namespace) -> int:
    from hmip_desktop.cli.output import print_table
    from hmip_desktop.model.file.store import InspectionFile
    from hmip_desktop.report import area

    with InspectionFile.open(args.file, read_only=True) as inspection:
        data = area.parse_area_json(inspection.finding(area.FIELD))
    if args.csv:
        sys.stdout.write(area.csv_text(area.to_lines(data)))
        return 0
    if data is None:
        print("no figures about the area yet: `hmip area import MASTER CSV` adds them")
        return 0
    numbers = {source: n for n, source in enumerate(data.sources(), start=1)}
    for table in data.tables:
        print(table.title)
        headers = [table.label or ""] + [
            f"{c.name} [{numbers[c.source]}]" if c.source else c.name for c in table.columns
        ]
        print_table(headers, [[row.label, *row.values] for row in table.rows], align="l" + "r" * len(table.columns))
        print()
    for source, number in numbers.items():
        print(f"[{number}] {source}")
    return 0
