"""`hmip package` and `hmip unpackage`: encrypted hand-over of an inspection file."""

from __future__ import annotations

import argparse
from pathlib import Path

from hmip_desktop.cli.passphrase import add_passphrase_argument, read_passphrase
from hmip_desktop.model.errors import UserError
from hmip_desktop.model.wording import count


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    package = subparsers.add_parser(
        "package", help="write an encrypted package (.hmipx) of an inspection file for the lead"
    )
    package.add_argument("file", type=Path, help="the .hmip file to hand over")
    package.add_argument("--out", type=Path, help="the package to write (default: FILE with .hmipx)")
    add_passphrase_argument(package)
    package.set_defaults(handler=cmd_package)

    unpackage = subparsers.add_parser("unpackage", help="decrypt a package (.hmipx) into a new .hmip file")
    unpackage.add_argument("package", type=Path, help="the .hmipx file")
    unpackage.add_argument("--out", type=Path, help="the .hmip to create (default: PACKAGE with .hmip)")
    add_passphrase_argument(unpackage)
    unpackage.set_defaults(handler=cmd_unpackage)


def cmd_package(args: argparse.Namespace) -> int:
    from hmip_desktop.model.file.connection import sniff_sqlite
    from hmip_desktop.model.file.disk import check_folder_for
    from hmip_desktop.model.file.package import PACKAGE_SUFFIX, write_package

    out: Path = args.out or args.file.with_suffix(PACKAGE_SUFFIX)
    if out.suffix != PACKAGE_SUFFIX:
        raise UserError(f"the package name must end in {PACKAGE_SUFFIX} (got {out.name})")
    sniff_sqlite(args.file)  # before asking for the passphrase twice
    check_folder_for(out)
    passphrase = read_passphrase(args.passphrase_file, purpose=out.name, new=True)
    info = write_package(args.file, out, passphrase)
    print(
        f"wrote {info.path} ({info.package_bytes:,} bytes, encrypted): {count(info.cases, 'case')} of "
        f"{info.assessor}, inspection {info.inspection_id}"
    )
    return 0


def cmd_unpackage(args: argparse.Namespace) -> int:
    from hmip_desktop.model.file.disk import check_folder_for
    from hmip_desktop.model.file.package import open_package
    from hmip_desktop.model.file.store import FILE_SUFFIX

    out: Path = args.out or args.package.with_suffix(FILE_SUFFIX)
    if out.suffix != FILE_SUFFIX:
        raise UserError(f"the inspection file name must end in {FILE_SUFFIX} (got {out.name})")
    check_folder_for(out)
    passphrase = read_passphrase(args.passphrase_file, purpose=args.package.name)
    written = open_package(args.package, passphrase, out.parent, name=out.name)
    print(f"wrote {written}")
    return 0
