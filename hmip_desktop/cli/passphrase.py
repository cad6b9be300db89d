"""Getting the inspection's passphrase: from a file, the environment, or a prompt without echo.

Shared by `hmip package`, `hmip unpackage` and `hmip merge`. The passphrase is
never written anywhere by HMIP Desktop.
"""

from __future__ import annotations

import argparse
import getpass
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from hmip_desktop.model.errors import UserError

ENV_VAR = "HMIP_PASSPHRASE"

Prompt = Callable[[str], str]


def add_passphrase_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--passphrase-file",
        type=Path,
        metavar="FILE",
        help=f"read the inspection passphrase from the first line of FILE (else ${ENV_VAR}, else a prompt)",
    )


def read_passphrase(
    passphrase_file: Path | None,
    *,
    purpose: str,
    new: bool = False,
    environ: Mapping[str, str] | None = None,
    prompt: Prompt | None = None,
) -> str:
    """The passphrase from --passphrase-file, else $HMIP_PASSPHRASE, else asked (twice when `new`).

    `new` (making a package) also refuses a passphrase that is too short.
    """
    environ = os.environ if environ is None else environ
    if passphrase_file is not None:
        passphrase = _from_file(passphrase_file)
    elif environ.get(ENV_VAR):
        passphrase = environ[ENV_VAR]
    else:
        ask = prompt or getpass.getpass  # looked up late, so tests can replace it
        try:
            passphrase = ask(f"Inspection passphrase for {purpose}: ")
            if new and ask("Type it again: ") != passphrase:
                raise UserError("the two passphrases differ; nothing was written")
        except EOFError:  # no terminal, and standard input ended (or was empty) before a passphrase came
            raise UserError(_NO_TERMINAL.format(purpose=purpose)) from None
    if not passphrase:
        raise UserError("the passphrase is empty; nothing was done")
    if new:
        from hmip_desktop.model.file.package import check_new_passphrase

        check_new_passphrase(passphrase)
    return passphrase


_NO_TERMINAL = (
    "the passphrase for {purpose} is needed, and there is no terminal to type it in (the command runs "
    f"from a script, a pipe or a scheduler); give it with --passphrase-file FILE or ${ENV_VAR}. Nothing was done."
)


def _from_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UserError(f"cannot read the passphrase file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise UserError(f"the passphrase file {path} is not UTF-8 text") from exc
    # The first line, without its line ending; inner and edge spaces are part of the passphrase.
    return text.splitlines()[0] if text else ""


def passphrase_hook(
    passphrase_file: Path | None,
    *,
    environ: Mapping[str, str] | None = None,
    prompt: Prompt | None = None,
) -> Callable[[Path], str]:
    """A `passphrase_for(package_path)` callable for the merge: asks once, then reuses the answer,
    since the whole team shares one passphrase per inspection."""
    remembered: list[str] = []

    def passphrase_for(package_path: Path) -> str:
        if not remembered:
            remembered.append(
                read_passphrase(passphrase_file, purpose=package_path.name, environ=environ, prompt=prompt)
            )
        return remembered[0]

    return passphrase_for
