"""The README documents every command (sqlite-utils' habit: undocumented commands fail a test)."""

from __future__ import annotations

import argparse
from pathlib import Path

from hmip_desktop.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]


def subcommands(parser: argparse.ArgumentParser, prefix: str = "hmip") -> list[str]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append(f"{prefix} {name}")
                found.extend(subcommands(sub, f"{prefix} {name}"))
    return found


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = subcommands(build_parser())
    assert "hmip answers import" in commands and len(commands) > 20
    # A group's actions are documented as "hmip cases import ...", so the leaf name is enough.
    leaves = [c for c in commands if not any(other.startswith(c + " ") for other in commands)]
    missing = [c for c in leaves if c not in readme]
    assert not missing, f"undocumented commands: {missing}"


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```sh", 1)[1].split("```", 1)[0]
    assert "python3 dev.py demo" in first_block and "python3 dev.py test" in first_block
    assert readme.index("python3 dev.py demo") < readme.index("## The `hmip` command")


def test_linked_docs_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in [
        "docs/user-guide.md",
        "docs/instrument.md",
        "docs/security.md",
        "docs/architecture.md",
        "docs/screenshots/case-form.png",
    ]:
        if target in readme:
            assert (ROOT / target).exists(), target


def test_architecture_page_names_every_sub_package() -> None:
    """docs/architecture.md stays true: each package of hmip_desktop, and of its core, is on the page."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    package = ROOT / "hmip_desktop"
    names = [p.name for p in package.iterdir() if (p / "__init__.py").exists()]
    names += [f"model.{p.name}" for p in (package / "model").iterdir() if (p / "__init__.py").exists()]
    assert "model.file" in names and "scoring" in names
    missing = [name for name in names if f"`{name}" not in page]
    assert not missing, f"add these to docs/architecture.md: {missing}"
