"""The files that ship inside the package: instruments, report fonts, demo texts.

They live in the repository's top-level ``resources/`` folder, which pyproject.toml maps into the
package as ``hmip_desktop.resources``; so they are found the same way in a checkout installed
editable, in an installed wheel and in the standalone bundle. Read them only through this module
(importlib.resources, or the folder the import system says `hmip_desktop.resources` is in: `_files`),
never through a path worked out from a source file's location: that breaks the moment the package
is installed anywhere else.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from hmip_desktop.model.errors import UserError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

PACKAGE = "hmip_desktop.resources"
INSTRUMENTS = "instruments"
FONTS = "fonts"
DEMO = "demo"


class MissingAsset(UserError):
    """A file the package should contain is not there: the installation is incomplete."""


def _files() -> Traversable:
    """`importlib.resources.files(PACKAGE)`. For the package on disk (installed, or the checkout) that is
    its folder, given here without importing importlib.resources and its readers (~3 ms of a start);
    any other kind of package (a zip, a frozen bundle's importer) is asked through importlib.resources."""
    spec = importlib.util.find_spec(PACKAGE)
    file_loaders = (importlib.machinery.SourceFileLoader, importlib.machinery.SourcelessFileLoader)
    if spec is not None and isinstance(spec.loader, file_loaders) and spec.origin:
        return Path(spec.origin).parent
    from importlib.resources import files

    return files(PACKAGE)


def asset(folder: str, name: str) -> Traversable:
    """One shipped file, by folder (`INSTRUMENTS`, `FONTS`, `DEMO`) and name; it must exist."""
    found = _files().joinpath(folder, name)
    if not found.is_file():
        raise MissingAsset(
            f"{folder}/{name} is missing from HMIP Desktop's resources ({where()}); reinstall HMIP Desktop"
        )
    return found


def assets(folder: str, suffix: str) -> list[Traversable]:
    """The shipped files in `folder` whose names end with `suffix`, sorted by name."""
    top = _files().joinpath(folder)
    if not top.is_dir():
        return []
    return sorted((item for item in top.iterdir() if item.is_file() and item.name.endswith(suffix)), key=_name)


def read_text(folder: str, name: str) -> str:
    return asset(folder, name).read_text(encoding="utf-8")


@contextmanager
def asset_path(folder: str, name: str) -> Iterator[Path]:
    """A real file system path for a shipped file (for libraries that open files by name).

    Installed packages and the bundle keep their files on disk, so this is the file itself; only
    from a zipped package would it be a temporary copy, removed when the block ends."""
    from importlib.resources import as_file

    with as_file(asset(folder, name)) as path:
        yield path


def where() -> str:
    """Where the resources are read from, for messages."""
    return str(_files())


def _name(item: Traversable) -> str:
    return item.name
