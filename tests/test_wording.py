"""Counts in words: one case, two cases; never "case(s)" in anything the app or the CLI says."""

from __future__ import annotations

import re
import tokenize
from pathlib import Path

import pytest

from hmip_desktop.model.wording import count, plural


@pytest.mark.parametrize(
    ("number", "said"),
    [(0, "0 cases"), (1, "1 case"), (2, "2 cases"), (1080, "1080 cases")],
)
def test_a_count_takes_the_noun_that_fits_it(number: int, said: str) -> None:
    assert count(number, "case") == said


def test_an_irregular_plural_is_given() -> None:
    assert plural(1, "entry", "entries") == "entry"
    assert plural(3, "entry", "entries") == "entries"
    assert count(2, "applies", "apply") == "2 apply"


def test_no_text_in_the_code_hedges_a_plural_with_s_in_brackets() -> None:
    """Every string in the package (messages, labels, log lines), read as Python reads it."""
    package = Path(__file__).parent.parent / "hmip_desktop"
    hedged = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "wording.py":
            continue  # its docstring names what it is there to avoid
        with path.open("rb") as source:
            for token in tokenize.tokenize(source.readline):
                if token.type == tokenize.STRING and re.search(r"[a-z]\(s\)", token.string):
                    hedged.append(f"{path.relative_to(package)}:{token.start[0]}")
    assert hedged == []
