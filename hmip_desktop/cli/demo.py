"""`hmip demo`: a realistic demo inspection for trying the app and the report."""

from __future__ import annotations

import argparse
from pathlib import Path

#: len(model.demo.TEAM), written out so that `hmip --help` loads no demo code (tests/test_cli_startup_cost.py compares).
TEAM_SIZE = 12


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = subparsers.add_parser("demo", help="write a demo inspection: one file per assessor and a merged lead file")
    demo.add_argument("dir", type=Path, help="an empty or new folder")
    demo.add_argument("--cases", type=int, default=86)
    demo.add_argument("--assessors", type=int, default=8, help=f"1 to {TEAM_SIZE}")
    demo.add_argument("--seed", type=int, default=3, help="same seed, same files")
    demo.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from hmip_desktop.model.demo import generate_demo

    paths = generate_demo(args.dir, cases=args.cases, assessors=args.assessors, seed=args.seed)
    for path in paths:
        print(f"wrote {path}")
    return 0
