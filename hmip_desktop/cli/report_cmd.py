"""`hmip report` (the inspection report PDF) and `hmip findings` (the lead's narrative texts)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hmip_desktop.cli.output import print_table
from hmip_desktop.model.errors import UserError
from hmip_desktop.model.wording import plural

if TYPE_CHECKING:
    from hmip_desktop.model.instrument.definition import Instrument


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = subparsers.add_parser(
        "report", help="build the inspection report: a PDF (--out), an accessible web edition (--html), or both"
    )
    report.add_argument("file", type=Path, metavar="MASTER", help="the lead's merged inspection file")
    report.add_argument("--out", type=Path, metavar="FILE.pdf", help="write the PDF here")
    report.add_argument(
        "--html", type=Path, metavar="OUT_DIR", help="write the web edition (one self-contained index.html) here"
    )
    report.add_argument(
        "--include-incomplete", action="store_true", help="count draft cases in the figures (the report stays a draft)"
    )
    report.set_defaults(handler=cmd_report)

    findings = subparsers.add_parser("findings", help="the lead's narrative texts for the report")
    findings_sub = findings.add_subparsers(dest="findings_command", metavar="ACTION", required=True)
    set_cmd = findings_sub.add_parser("set", help="set a findings field from a text file ('-' reads standard input)")
    set_cmd.add_argument("file", type=Path, metavar="MASTER")
    set_cmd.add_argument("field", metavar="FIELD", help="a field name from `hmip findings list`")
    set_cmd.add_argument("--file", dest="text_file", required=True, metavar="TEXT.md")
    set_cmd.set_defaults(handler=cmd_findings_set)
    get_cmd = findings_sub.add_parser("get", help="print a findings field")
    get_cmd.add_argument("file", type=Path, metavar="MASTER")
    get_cmd.add_argument("field", metavar="FIELD")
    get_cmd.set_defaults(handler=cmd_findings_get)
    list_cmd = findings_sub.add_parser("list", help="list the findings fields (with MASTER: which are written)")
    list_cmd.add_argument("file", type=Path, nargs="?", metavar="MASTER")
    list_cmd.set_defaults(handler=cmd_findings_list)


def cmd_report(args: argparse.Namespace) -> int:
    from hmip_desktop.model.file.store import InspectionFile
    from hmip_desktop.report.builder import build_report

    if args.out is None and args.html is None:
        raise UserError("say where the report goes: --out FILE.pdf, --html OUT_DIR, or both")
    with InspectionFile.open(args.file, read_only=True) as inspection:
        info = build_report(inspection, args.out, html_dir=args.html, include_incomplete=args.include_incomplete)
    state = info.draft_message or "final"
    if info.path is not None:
        print(f"wrote {info.path}: {info.pages} pages, {info.cases_scored} cases in the figures ({state})")
    if info.html_path is not None:
        print(f"wrote {info.html_path}: the web edition, {info.cases_scored} cases in the figures ({state})")
    for warning in info.warnings:
        print(f"note: {warning}")
    if info.missing_texts:
        print(
            f"note: {len(info.missing_texts)} findings {plural(len(info.missing_texts), 'field')} still empty: {', '.join(info.missing_texts)}"
        )
    return 0


def _read_text(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path} is not UTF-8 text ({exc.reason}); save it as UTF-8 and try again") from exc
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from exc


def cmd_findings_set(args: argparse.Namespace) -> int:
    from hmip_desktop.cli.editing import open_for_edit
    from hmip_desktop.report import findings_fields as ff

    text = _read_text(args.text_file)
    with open_for_edit(args.file) as inspection:
        ff.check_field(inspection.instrument, args.field)
        ff.check_text(inspection.instrument, args.field, text)
        inspection.set_finding(args.field, text)
    print(f"saved {args.field}: {len(text):,} characters")
    return 0


def cmd_findings_get(args: argparse.Namespace) -> int:
    from hmip_desktop.model.file.store import InspectionFile
    from hmip_desktop.report import findings_fields as ff

    with InspectionFile.open(args.file, read_only=True) as inspection:
        ff.check_field(inspection.instrument, args.field)
        text = inspection.finding(args.field)
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    return 0


def cmd_findings_list(args: argparse.Namespace) -> int:
    from hmip_desktop.model.file.store import InspectionFile
    from hmip_desktop.model.instrument.definition import default_instrument
    from hmip_desktop.report import findings_fields as ff

    written: dict[str, str] | None = None
    instrument: Instrument
    if args.file is not None:
        with InspectionFile.open(args.file, read_only=True) as inspection:
            instrument = inspection.instrument
            written = inspection.findings()
    else:
        instrument = default_instrument()
    fields = ff.findings_fields(instrument)
    if written is None:
        print_table(["field", "description"], [(f.name, f.description) for f in fields])
        return 0
    rows = []
    for field in fields:
        size = len(written.get(field.name, "").strip())
        status = f"{size:,} chars" if size else ("EMPTY" if field.expected else "-")
        rows.append((field.name, status, field.description))
    print_table(["field", "text", "description"], rows, align="lr")
    return 0
