"""`hmip verify`: is this file exactly what HMIP Desktop wrote? (model/file/verify.py)"""

from __future__ import annotations

import argparse
from pathlib import Path

from hmip_desktop.model.wording import count


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify = subparsers.add_parser(
        "verify",
        help="check a file: integrity, schema, audit chain, answers against the log, seals of everything judged",
    )
    verify.add_argument("file", type=Path, help="any inspection file, an assessor's or the lead's")
    verify.add_argument("--json", action="store_true", help="every check and every problem, machine-readable")
    verify.set_defaults(handler=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    # Imported here: `hmip --help` and other commands do not pay for the checks' imports.
    from hmip_desktop.cli.output import print_json, print_table
    from hmip_desktop.model.file.verify import VerificationFailed, verify_file

    result = verify_file(args.file)
    if args.json:
        print_json(result.to_json())
    else:
        print_table(
            ["check", "result", "covers"],
            [
                (
                    check.name,
                    "skipped" if check.skipped else ("ok" if check.ok else f"{count(len(check.problems), 'problem')}"),
                    check.skipped or check.covers,
                )
                for check in result.checks
            ],
        )
        for problem in result.problems:
            print(f"problem: {problem}")
        print(
            f"{result.path.name}: schema {result.schema_version}, {result.role or 'unknown role'}, "
            f"{count(result.cases, 'case')}, {result.audit_entries} audit entries, checked in {result.seconds:.2f} s"
        )
    if not result.ok:
        raise VerificationFailed(result.failure_message())
    if not args.json:
        print(f"{result.path.name} passed verification")
    return 0
