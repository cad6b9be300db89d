"""Entry point of the `hmip` console script.

A command starts like a small tool (`hmip --help` in about 40 ms; issue 16), because registering the
commands imports next to nothing. The rule for each module in COMMAND_MODULES:

- its top level and its `register(subparsers)` import only the standard library and the light cli
  helpers (`cli.output`, `cli.passphrase`, `model.errors`): argparse needs names, help texts and
  defaults, never the code behind them (a default that lives in a heavy module is written out, and
  tests/test_cli_startup_cost.py compares the copy with the original);
- each handler (`cmd_*`) imports what it runs (the store, scoring, the report, the merge ...) in its
  body; names needed only for annotations go under ``if TYPE_CHECKING:``.

tests/test_cli_startup_cost.py runs the commands in fresh interpreters and fails when one loads
what it does not use; benchmarks/bench_cli.py times them as whole processes.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from importlib import import_module

from hmip_desktop import __version__
from hmip_desktop.model.errors import UserError

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_BAD_INPUT = 3

#: Modules under hmip_desktop.cli that add commands, in the order of `hmip --help`.
COMMAND_MODULES = (
    "files",
    "cases",
    "demo",
    "scoring_cmd",
    "moderation_cmd",
    "merge_cmd",
    "report_cmd",
    "area_cmd",
    "package_cmd",
    "verify_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hmip",
        description="HMIP Desktop: inspection files, case judgements, team merge, scores and reports.",
    )
    parser.add_argument("--version", action="version", version=f"hmip {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        import_module(f"hmip_desktop.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="hmip: %(levelname)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or EXIT_OK)
    except UserError as exc:
        print(f"hmip: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        print("hmip: interrupted; every change reported as saved is in the file", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
